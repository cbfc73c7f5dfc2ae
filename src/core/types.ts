/**
 * The contract between the engine and every transform. Transforms are pure: they read a
 * frozen view of a resource and return edits (RFC 6902 operations with a reason) and findings.
 * The engine applies the edits to the YAML text and builds the report from what it applied.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/**
 * One RFC 6902 operation, with its path relative to the target's root (see {@link Target}).
 * Example: `{op: 'add', path: '/securityContext/allowPrivilegeEscalation', value: false, reason: '…'}`
 */
export interface Edit {
  op: 'add' | 'replace' | 'remove';
  path: string;
  value?: Json;
  reason: string;
}

export type Severity = 'error' | 'warning' | 'info';

/** Something a transform could not or would not fix. `path` is relative to the target's root. */
export interface Finding {
  /** Stable camelCase code, e.g. `hostNetworkUnfixable`. */
  code: string;
  severity: Severity;
  message: string;
  path?: string;
  /** Upstream Pod Security Standards check id, verbatim (`hostNamespaces`, `runAsNonRoot`…). */
  pssCheck?: string;
}

export interface TransformResult {
  edits: Edit[];
  findings: Finding[];
}

/** Which containers of a pod spec, with the list they live in. */
export type ContainerList = 'containers' | 'initContainers' | 'ephemeralContainers';

/**
 * What a transform is given. Every field is deeply frozen plain data.
 *
 * - scope `resource`: root is the whole document; edit paths are relative to the document.
 * - scope `podTemplate`: root is the pod template, the object holding `metadata` and `spec`
 *   (for a Pod that is the Pod itself; for a Deployment `/spec/template`; for a CronJob
 *   `/spec/jobTemplate/spec/template`). Edit paths look like `/spec/securityContext/runAsNonRoot`.
 * - scope `container`: root is one container; edit paths look like `/securityContext/privileged`.
 */
export interface Target {
  scope: Scope;
  /** The whole resource (document root). */
  resource: Readonly<JsonObject>;
  /** Absolute JSON Pointer of this target's root in the document ('' for the document itself). */
  path: string;
  /** The pod template (`{metadata, spec}`), for podTemplate and container scopes. */
  template?: Readonly<JsonObject>;
  /** Absolute pointer of the pod template. */
  templatePath?: string;
  /** The container, for container scope. */
  container?: Readonly<JsonObject>;
  containerList?: ContainerList;
  containerIndex?: number;
  /**
   * Names of the containers this transform must leave alone (`kharden.dev/skip.<name>`). The
   * engine also drops edits and findings under their paths; this lets a podTemplate transform
   * skip their pod-level side effects too (volumes for a container it does not touch).
   */
  skippedContainers?: readonly string[];
}

export type Scope = 'resource' | 'podTemplate' | 'container';

/** A built-in transform: `transforms/<id>.ts` default-exports one of these. */
export interface Transform<O extends object = Record<string, unknown>> {
  /** Equals the file name, kebab-case and imperative: `drop-all-capabilities`. */
  id: string;
  /** One line: what it does. */
  summary: string;
  /** Why, in a sentence or two. */
  reason: string;
  /** The Kubernetes documentation it follows. */
  docs: string;
  scope: Scope;
  /** Defaults, deep-merged with the profile's options. */
  defaults: O;
  run(target: Target, options: Readonly<O>): TransformResult;
}
