/**
 * The engine: read every input, run the transform chain, write the net change of each edited
 * document back into its source text (src/yaml/write.ts), and record every applied edit with
 * where it happened and what it replaced; the report is built from those records alone.
 *
 * The chain runs in profile order. Resource, pod template and container transforms run document
 * by document; a stream transform sees every resource of the run (and those generated before it)
 * and may edit any of them and add new ones. Documents are written as soon as the leading run of
 * per-resource transforms is done (their syntax trees are then dropped); a document a later
 * transform edits is parsed again from its written text and written once more.
 */
import { createRequire } from 'node:module';
import { parseAllDocuments, parseDocument } from 'yaml';
import type { Document } from 'yaml';
import type { Json, JsonObject } from '../lib/json.js';
import { cloneJson, deepEqual, describeType, isPlainObject } from '../lib/json.js';
import { InputError, InputErrors, TransformError, UsageError } from '../lib/errors.js';
import type { SourcePosition } from '../lib/errors.js';
import type { Edit, Finding, FindingInput, KindRead, MessageSpec, PodFacts, ResourceRef, Scope, StreamResource, Target, Transform } from './types.js';
import { applyPatchOperation, PatchError, shallowCopy } from './patch.js';
import { InvalidShapeError } from './ensure.js';
import { TargetEdits } from './context.js';
import { containersOf, findShapeProblem, podTemplatesOf, resourcesOf } from './resources.js';
import type { PodTemplateLocation, ResourceEntry } from './resources.js';
import { decideExemptions, describeExemption, exemptionFor, SKIP_ANNOTATION } from './exemptions.js';
import type { ExcludeRule, ExemptionSource, Exemptions, NodeAgent } from './exemptions.js';
import { documentValue, lineCol, PARSE_OPTIONS, readStream } from '../yaml/stream.js';
import type { Prune, SkipDocument, SourceDocument } from '../yaml/stream.js';
import { apiVersionMatches } from './resources.js';
import { ANNOTATION_PREFIX } from './exemptions.js';
import { applySplices, detectStyle, diffToSplices, UnsupportedEditError } from '../yaml/write.js';
import type { Splice } from '../yaml/write.js';
import { keyOffsetOf, offsetOf } from '../yaml/locate.js';

// node:crypto only for a long release name: most runs never load it (start-up).
const lazyRequire = createRequire(import.meta.url);

export { ANNOTATION_PREFIX, SKIP_ANNOTATION } from './exemptions.js';

/** One link of the chain, with its options already checked against the transform's schema. */
export interface ChainLink {
  id: string;
  transform: Transform;
  options: unknown;
}

export interface HardenOptions {
  chain: ChainLink[];
  podTemplateLocations: readonly PodTemplateLocation[];
  /** Exclusion rules from the profile and the command line. */
  exclude?: readonly ExcludeRule[];
  /** Node agents keep their privileges (default) or are hardened like any pod. */
  nodeAgents?: 'keep' | 'harden';
  /** Every `kharden.dev/` annotation key kharden reads (`.*`: a container name follows); others are warned about. */
  knownAnnotations?: readonly string[];
  /** Every transform id a skip annotation may name; the chain's ids are always included. */
  knownTransformIds?: readonly string[];
  /**
   * Give transforms deep-frozen copies, so a transform that mutates its input fails loudly.
   * The test suites turn it on; a run leaves it off because transforms only read (their
   * contract) and a copy per transform per resource costs a tenth of the run.
   */
  freezeTargets?: boolean;
  /**
   * The Helm release the input was rendered for: the names of the namespace-wide objects kharden
   * generates (`kharden-default-deny`, `kharden-limits`…) end in `-<release>`, so releases sharing
   * a namespace each own their own (Helm refuses to take over an object another release owns).
   * `detect`: read it from a Helm-rendered input (`# Source:` comments) whose resources agree on
   * one `app.kubernetes.io/instance` label (read from the text).
   */
  helmRelease?: string | { detect: true };
  /** Called when an input has been read and its documents hardened by the leading per-resource transforms (for a progress bar). */
  onInputDone?: (file: string) => void;
}

export interface ResourceInfo extends ResourceRef {
  /** Pointer of the resource inside its document ('' unless inside a List). */
  path: string;
}

/** An edit as the engine applied it. */
export interface AppliedEdit {
  transform: string;
  file: string;
  document: number;
  resource: ResourceInfo;
  op: Edit['op'];
  /** Absolute JSON Pointer in the document. */
  path: string;
  previous?: Json;
  value?: Json;
  reason: string;
  /** 1-based line in the input where the edited value (or its nearest parent) starts. */
  line: number;
  /** 1-based line in the output where the edited value (or, for a removal, its parent) now is. */
  outputLine?: number;
}

export interface ReportedFinding extends Finding {
  transform: string;
  file: string;
  document: number;
  resource?: ResourceInfo;
  line?: number;
}

/** A resource a stream transform added to the run. */
export interface GeneratedResource {
  transform: string;
  reason: string;
  ref: ResourceRef;
  value: JsonObject;
}

/** A finding about the run as a whole, or about a generated resource. */
export interface RunFinding extends Finding {
  transform: string;
  resource?: ResourceRef;
}

export interface FileResult {
  file: string;
  input: string;
  output: string;
  changed: boolean;
  documents: number;
  edits: AppliedEdit[];
  findings: ReportedFinding[];
  /** Resources that carry pod templates, with their value before and after (for PSS levels). */
  workloads: WorkloadRecord[];
}

export interface ExemptionRecord extends ExemptionSource {
  /** The transform id, or `all`. */
  transform: string;
  /** The container it applies to; absent for the whole workload. */
  container?: string;
}

export interface WorkloadRecord {
  file: string;
  document: number;
  resource: ResourceInfo;
  templatePath: string;
  before: JsonObject;
  after: JsonObject;
  edited: boolean;
  exemptions: ExemptionRecord[];
  /** Set when the pod stays at Pod Security level privileged whatever kharden does. */
  nodeAgent?: NodeAgent;
}

export interface RunResult {
  files: FileResult[];
  generated: GeneratedResource[];
  findings: RunFinding[];
}

export interface RunInput {
  file: string;
  text: string;
  /**
   * Read and checked like any input, but passed through untouched, with this finding: a
   * kustomize patch file is a partial object, and hardening it as a whole one would override the base.
   */
  passThrough?: FindingInput;
}

/** Label that marks what kharden generated. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'kharden';

/** Findings the engine itself reports (the transform is `kharden`). */
export const ENGINE_MESSAGES: Record<string, MessageSpec> = {
  notKubernetesObject: { severity: 'warning', title: 'not a Kubernetes object', help: 'Documents without apiVersion and kind (kustomizations, patches, Helm values) pass through unchanged.' },
  generatedForRelease: { severity: 'info', title: 'generated objects named for the Helm release', help: 'With Helm, what kharden generates joins the release, and Helm refuses to install an object another release owns: kharden-default-deny of a second release in the same namespace would fail. So the names of generated namespace-wide objects end in the release name (--release NAME, or read from the app.kubernetes.io/instance labels of a Helm-rendered stream).' },
  skipped: { severity: 'info', title: 'transform skipped by an exemption', help: 'An annotation, an exclude rule or the node-agent rule exempted the workload or container; the report names which.' },
  aliasExpanded: { severity: 'warning', title: 'alias expanded', help: 'An edit landed inside a YAML alias; it was expanded into a copy so the anchor\'s other users do not change.' },
  unknownAnnotation: { severity: 'warning', title: 'unknown kharden.dev/ annotation', help: 'kharden reads only the annotations listed by `kharden --help`; a misspelt key has no effect, so the workload is hardened as if it were absent.' },
  unknownTransformId: { severity: 'warning', title: 'skip annotation names no transform', help: '`kharden list` prints every transform id; `all` skips every one.' },
  unknownAnnotationContainer: { severity: 'warning', title: 'annotation names a container the pod does not have', help: 'Per-container annotations end with the container\'s name (`kharden.dev/skip.<container>`).' },
  nodeAgent: {
    severity: 'warning',
    title: 'node agent: stays privileged',
    help: 'The pod uses the node itself (host namespaces, hostPath, hostPorts, unsafe sysctls, HostProcess, probe hosts), so it stays at Pod Security level privileged whatever kharden does. kharden leaves what it needs (privileged, capabilities, user and group, root filesystem, seccomp, SELinux/AppArmor) and applies only edits that cannot break it. Run it in a namespace labelled pod-security.kubernetes.io/enforce: privileged, or set `nodeAgents: harden` in a profile to harden it anyway.',
  },
  kustomizePatch: {
    severity: 'warning',
    title: 'kustomize patch left untouched',
    help: 'A file a kustomization names as a patch holds a partial object: hardened as a whole one, the fields kharden adds would override the base. Harden the built output instead: `kustomize build DIR | kharden` (or run kharden as a kustomize plugin or KRM function).',
  },
  emptyInput: { severity: 'warning', title: 'no manifests in the input', help: 'The input has no YAML documents (an empty file or stdin, or a directory without *.yaml, *.yml or *.json files).' },
  generatedDuplicate: { severity: 'info', title: 'generated resource already present', help: 'A resource kharden would add is already in the input (from an earlier run or written by hand); it was kept and not added again.' },
};

function freeze<T>(v: T): T {
  if (v && typeof v === 'object' && !Object.isFrozen(v)) {
    Object.freeze(v);
    for (const k of Object.keys(v)) freeze((v as any)[k]);
  }
  return v;
}

// ---- run state ---------------------------------------------------------------------------

interface TemplatePlan {
  path: string;
  exemptions: Exemptions;
  windows: boolean;
  podSecurityContext: boolean;
  before: JsonObject;
}

interface ResourcePlan {
  entry: ResourceEntry;
  info: ResourceInfo;
  templates: TemplatePlan[];
  /** Exemptions of a resource without a pod template (annotations and exclude rules by kind/name). */
  exemptions: Exemptions;
}

interface DocState {
  file: FileState;
  index: number;
  /** This document's slice of the input text. */
  inputStart: number;
  inputEnd: number;
  /** The current text of the slice. */
  text: string;
  /** The value `text` reads as, kept when a link after the first write edits the document. */
  base?: unknown;
  original?: unknown;
  /** The current value; the same object as `original` until the first edit (copy on write). */
  working?: JsonObject;
  /** Its text has been written once (the leading per-resource links are done). */
  written: boolean;
  /**
   * The value the text written once must read back as, while that check is pending: it is made
   * when the run finishes, by the one parse that also serves a later rewrite (a stream transform
   * that edits the document after its first write), instead of by a parse of its own.
   */
  verifyAs?: JsonObject;
  /** The objects of `working` that are its own (copied on write), not shared with `original` or `base`. */
  owned?: WeakSet<object>;
  /** Composed without these values (SourceDocument.pruned): it must not be edited. */
  pruned?: readonly Prune[];
  /** Where the first write changed the text (offsets in the input slice), to map written offsets back to input lines. */
  firstSplices?: { start: number; end: number; length: number }[];
  plans: ResourcePlan[];
  /** Edited since `text` was last written. */
  dirty: boolean;
  edits: AppliedEdit[];
  findings: ReportedFinding[];
  /** Output lines of `edits`, relative to the start of `text`, and which edits they belong to. */
  outputLines: Map<AppliedEdit, number>;
  /** The input slice parsed again (for lines of edits and findings made after the first write). */
  inputDoc?: Document.Parsed;
}

interface FileState {
  file: string;
  input: string;
  eol: '\n' | '\r\n';
  docs: DocState[];
  findings: ReportedFinding[];
  /** Line and column of an offset in the input (the stream reader's line index, built once). */
  lineCol: (offset: number) => { line: number; col: number };
}

interface RunState {
  options: HardenOptions;
  /** The release suffix of generated names, once decided (null: none). */
  release?: { name: string; from: string } | null;
  files: FileState[];
  generated: { record: GeneratedResource; handle: StreamResource }[];
  findings: RunFinding[];
  knownIds: Set<string>;
  privilegeIds: string[];
  /** Documents no link reads (see skipUnread). */
  skip?: SkipDocument;
}

/**
 * Which documents the chain never reads, so they need not be composed: those of kinds no link
 * declares it reads (Transform.reads; pod template and container links read the kinds the pod
 * template locations name), unless they carry a `kharden.dev/` annotation (the engine reads those
 * on every resource) or are a List. Undefined when some link reads everything.
 */
export function skipUnread(chain: readonly ChainLink[], locations: readonly PodTemplateLocation[]): SkipDocument | undefined {
  const reads: Exclude<KindRead, 'workloads'>[] = [];
  for (const link of chain) {
    const t = link.transform;
    if (t.scope === 'podTemplate' || t.scope === 'container') continue;
    if (!t.reads) return undefined;
    for (const r of t.reads) if (r !== 'workloads') reads.push(r);
  }
  const groupOf = (apiVersion: string) => (apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '');
  /** true: nothing reads it; false: read whole; else the values every read of it ignores. */
  const decide = (apiVersion: string, kind: string, text: string, start: number, end: number): boolean | readonly Prune[] => {
    if (locations.some((l) => l.kinds.includes(kind) && apiVersionMatches(l.apiVersion, apiVersion))) return false;
    const group = groupOf(apiVersion);
    let ignored: string[] | undefined;
    for (const r of reads) {
      if ((r.group === '*' || r.group === group) && r.kinds.includes(kind) && (r.mentions === undefined || mentionedBetween(text, r.mentions, start, end))) {
        if (!r.ignores?.length) return false;
        ignored = ignored ? ignored.filter((p) => (r.ignores as readonly string[]).includes(p)) : [...r.ignores];
        if (!ignored.length) return false;
      }
    }
    return ignored ? ignored.map((p) => p.slice(1).split('/') as unknown as Prune) : true;
  };
  return (s, text, start, end) => {
    if (includesBetween(text, ANNOTATION_PREFIX, start, end)) return false;
    if (!s.kind.endsWith('List')) return decide(s.apiVersion, s.kind, text, start, end);
    // A List is its items: each must be a plain object of a kind nothing reads (none is a List).
    if (!s.items?.length) return false;
    return s.items.every((i) => i.apiVersion !== undefined && i.kind !== undefined && !i.kind.endsWith('List') && decide(i.apiVersion, i.kind, text, start, end) === true);
  };
}

function includesBetween(text: string, needle: string, start: number, end: number): boolean {
  return text.slice(start, end).includes(needle);
}

function mentionedBetween(text: string, mention: string | RegExp, start: number, end: number): boolean {
  return typeof mention === 'string' ? includesBetween(text, mention, start, end) : mention.test(text.slice(start, end));
}

/** Splits the chain into runs of per-resource links and single stream links, in order. */
function segmentsOf(chain: ChainLink[]): ChainLink[][] {
  const out: ChainLink[][] = [];
  for (const link of chain) {
    const last = out[out.length - 1];
    if (link.transform.scope !== 'stream' && last && last[0].transform.scope !== 'stream') last.push(link);
    else out.push([link]);
  }
  return out;
}

// ---- entry points ------------------------------------------------------------------------

/**
 * Hardens several inputs as one run: stream transforms see the resources of every input.
 * Throws InputError for bad input and TransformError for transform bugs.
 */
export async function hardenFiles(inputs: RunInput[], options: HardenOptions): Promise<RunResult> {
  const steps = runSteps(inputs, options);
  for (let step = steps.next(); ; ) {
    if (step.done) return step.value;
    let resumed: unknown;
    let failed: unknown;
    try {
      resumed = await step.value;
    } catch (e) {
      failed = e;
    }
    step = failed !== undefined ? steps.throw(failed) : steps.next(resumed);
  }
}

/** Synchronous form of hardenFiles, for chains whose transforms are all synchronous. */
export function hardenRun(inputs: RunInput[], options: HardenOptions): RunResult {
  const step = runSteps(inputs, options).next();
  if (!step.done) throw new Error('this chain has an asynchronous transform (an exec plugin): use hardenFiles');
  return step.value;
}

/** Hardens one file's text (generated resources and run findings are returned beside it). */
export function hardenText(file: string, text: string, options: HardenOptions): FileResult & { generated: GeneratedResource[]; runFindings: RunFinding[] } {
  const run = hardenRun([{ file, text }], options);
  return { ...run.files[0], generated: run.generated, runFindings: run.findings };
}

function* runSteps(inputs: RunInput[], options: HardenOptions): Generator<Promise<unknown>, RunResult, unknown> {
  const segments = segmentsOf(options.chain);
  const state: RunState = {
    options,
    files: [],
    generated: [],
    findings: [],
    knownIds: new Set([...(options.knownTransformIds ?? []), ...options.chain.map((l) => l.id)]),
    privilegeIds: options.chain.filter((l) => l.transform.changesPrivileges).map((l) => l.id),
    skip: skipUnread(options.chain, options.podTemplateLocations),
  };
  const first = segments[0] && segments[0][0].transform.scope !== 'stream' ? segments[0] : [];
  // Every input is read before anything is refused, so one run names every bad file, not just the first.
  const refused: InputError[] = [];
  for (const input of inputs) {
    try {
      state.files.push(readAndHarden(state, input, first));
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      refused.push(e);
    }
    options.onInputDone?.(input.file);
  }
  if (refused.length === 1 && inputs.length === 1) throw refused[0];
  if (refused.length) throw new InputErrors(refused);
  for (const segment of segments.slice(first.length ? 1 : 0)) {
    if (segment[0].transform.scope === 'stream') {
      const pending = runStreamLink(state, segment[0]);
      if (pending) yield pending;
    } else {
      for (const f of state.files) for (const d of f.docs) if (d.working) runResourceLinks(state, d, segment);
    }
  }
  return finish(state);
}

// ---- reading and the per-resource links --------------------------------------------------

function readAndHarden(state: RunState, input: RunInput, links: ChainLink[]): FileState {
  const stream = readStream(input.text, input.file, input.passThrough ? undefined : state.skip);
  const fs: FileState = { file: input.file, input: input.text, eol: stream.eol, docs: [], findings: [], lineCol: stream.lineCol };
  let content = false;
  // One document at a time: its syntax tree is garbage once its slice is written.
  for (const sd of stream.documents()) {
    if ((sd.value !== null && sd.value !== undefined) || sd.skimmed) content = true;
    if (input.passThrough || sd.skimmed) {
      fs.docs.push({ file: fs, index: sd.index, inputStart: sd.start, inputEnd: sd.end, text: input.text.slice(sd.start, sd.end), plans: [], dirty: false, written: true, edits: [], findings: [], outputLines: new Map() });
      continue;
    }
    const doc: DocState = {
      file: fs,
      index: sd.index,
      inputStart: sd.start,
      inputEnd: sd.end,
      text: input.text.slice(sd.start, sd.end),
      plans: [],
      dirty: false,
      written: false,
      edits: [],
      findings: [],
      outputLines: new Map(),
    };
    if (sd.pruned) doc.pruned = sd.pruned;
    fs.docs.push(doc);
    // Reports point at the key a person looks for; errors about a value's type point at the value.
    const lineOf = (path: string) => stream.lineCol(keyOffsetOf(sd.doc, path)).line;
    const positionOf = (path: string): SourcePosition => ({ file: fs.file, document: sd.index, ...stream.lineCol(offsetOf(sd.doc, path)) });
    planDocument(state, doc, sd, positionOf);
    if (!doc.working) continue;
    runResourceLinks(state, doc, links, positionOf);
    resolveLines(doc, lineOf);
    if (!deepEqual(doc.original, doc.working)) {
      refusePruned(doc);
      const written = writeDocument(fs.file, doc.index, input.text, sd.doc, sd.value, doc.working, stream.eol, sd.start, sd.end, lineOf);
      doc.text = written.text;
      doc.findings.push(...written.notes);
      doc.verifyAs = doc.working;
      doc.firstSplices = written.splices.map((x) => ({ start: x.start - sd.start, end: x.end - sd.start, length: x.text.length })).sort((a, b) => a.start - b.start);
    }
    doc.dirty = false;
    doc.written = true;
    // What the first write wrote is now `base` material: the next edit copies again.
    doc.owned = undefined;
  }
  const fileFinding = (f: FindingInput): ReportedFinding => ({ transform: 'kharden', file: fs.file, document: 0, line: 1, code: f.code, severity: f.severity ?? ENGINE_MESSAGES[f.code].severity, message: f.message });
  if (input.passThrough) fs.findings.push(fileFinding(input.passThrough));
  else if (!content) fs.findings.push(fileFinding({ code: 'emptyInput', message: 'no YAML documents in this input (empty, or comments only)' }));
  return fs;
}

function planDocument(state: RunState, doc: DocState, sd: SourceDocument, positionOf: (path: string) => SourcePosition): void {
  const original = sd.value;
  if (original === null || original === undefined) return;
  const resources = resourcesOf(original);
  if (resources.length === 0) {
    doc.findings.push({
      transform: 'kharden',
      file: doc.file.file,
      document: sd.index,
      line: positionOf('').line,
      code: 'notKubernetesObject',
      severity: 'warning',
      message: isPlainObject(original)
        ? 'document has no apiVersion/kind: not a Kubernetes object, passed through unchanged'
        : `document is ${describeType(original)}, not a Kubernetes object: passed through unchanged`,
    });
    return;
  }
  const o = state.options;
  for (const r of resources) {
    const info: ResourceInfo = { apiVersion: r.apiVersion, kind: r.kind, name: r.name, namespace: r.namespace, path: r.path };
    const exemptionsFor = (template?: JsonObject, templatePath?: string) =>
      decideExemptions({
        resource: r.value,
        kind: r.kind,
        name: r.name,
        namespace: r.namespace,
        template,
        templatePath,
        containers: template ? containersOf(template) : [],
        rules: o.exclude ?? [],
        knownIds: state.knownIds,
        knownAnnotations: o.knownAnnotations ?? [SKIP_ANNOTATION, `${SKIP_ANNOTATION}.*`],
        privilegeIds: state.privilegeIds,
        nodeAgents: o.nodeAgents ?? 'keep',
      });
    const templates: TemplatePlan[] = [];
    for (const loc of podTemplatesOf(r, o.podTemplateLocations)) {
      const t = loc.path;
      const tv = t === '' ? r.value : getPath(r.value, t);
      if (tv === undefined || tv === null) continue;
      const problem = findShapeProblem(tv);
      if (problem) {
        const abs = r.path + t + problem.path;
        throw new InputError(positionOf(abs), `${abs} must be ${problem.expected}, found ${describeType(problem.actual)}`);
      }
      templates.push({ path: t, exemptions: exemptionsFor(tv as JsonObject, t), windows: runsOnWindows(tv), podSecurityContext: loc.podSecurityContext !== 'forbidden', before: tv as JsonObject });
    }
    const plan: ResourcePlan = { entry: r, info, templates, exemptions: templates[0]?.exemptions ?? exemptionsFor() };
    for (const w of plan.exemptions.warnings) {
      const abs = r.path + (w.path ?? '');
      doc.findings.push({ transform: 'kharden', file: doc.file.file, document: doc.index, resource: info, code: w.code, severity: ENGINE_MESSAGES[w.code].severity, message: w.message, path: abs });
    }
    for (const t of templates) {
      if (!t.exemptions.nodeAgent || (o.nodeAgents ?? 'keep') !== 'keep' || state.privilegeIds.length === 0) continue;
      const checks = t.exemptions.nodeAgent.checks;
      doc.findings.push({
        transform: 'kharden',
        file: doc.file.file,
        document: doc.index,
        resource: info,
        code: 'nodeAgent',
        severity: 'warning',
        message: `node agent: stays at Pod Security level privileged because of ${checks.map((c) => `${c.check} (${c.detail})`).join('; ')}; its privileges, capabilities, user and root filesystem were left as they are (not run: ${state.privilegeIds.join(', ')})`,
        path: r.path + t.path + '/spec',
      });
    }
    doc.plans.push(plan);
  }
  doc.original = original;
  doc.working = original as JsonObject;
}

/**
 * Windows pods: `spec.os.name`, or a nodeSelector or required node affinity on
 * `kubernetes.io/os: windows` (older manifests). Linux-only fields mean nothing there, and the API
 * server rejects some of them on a pod whose `spec.os.name` is windows.
 */
export function runsOnWindows(template: unknown): boolean {
  const spec = isPlainObject(template) ? template.spec : undefined;
  if (!isPlainObject(spec)) return false;
  if (isPlainObject(spec.os) && spec.os.name === 'windows') return true;
  if (isPlainObject(spec.nodeSelector) && spec.nodeSelector['kubernetes.io/os'] === 'windows') return true;
  const required = getPath(spec, '/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms');
  if (!Array.isArray(required) || required.length === 0) return false;
  // Every term must pin Windows (terms are ORed).
  return required.every((term) => {
    const exprs = isPlainObject(term) && Array.isArray(term.matchExpressions) ? term.matchExpressions : [];
    return exprs.some((e) => isPlainObject(e) && e.key === 'kubernetes.io/os' && e.operator === 'In' && Array.isArray(e.values) && e.values.length > 0 && e.values.every((v) => v === 'windows'));
  });
}

interface TargetRun {
  target: Target;
  /** Pointer of the target's root inside the resource. */
  root: string;
  container?: string;
}

function targetsFor(scope: Exclude<Scope, 'stream'>, plan: ResourcePlan, resource: JsonObject, exemptionsOf: (t: TemplatePlan) => Exemptions, id: string): TargetRun[] {
  const ref: ResourceRef = { apiVersion: plan.info.apiVersion, kind: plan.info.kind, name: plan.info.name, namespace: plan.info.namespace };
  if (scope === 'resource') return [{ target: { scope, resource, ref }, root: '' }];
  const out: TargetRun[] = [];
  for (const t of plan.templates) {
    const template = t.path === '' ? resource : getPath(resource, t.path);
    if (!isPlainObject(template)) continue;
    const containers = containersOf(template);
    const ex = exemptionsOf(t);
    const pod: PodFacts = { windows: t.windows, podSecurityContext: t.podSecurityContext, exemptContainers: containers.filter((c) => exemptionFor(ex, id, c.name)).map((c) => c.name) };
    if (scope === 'podTemplate') {
      out.push({ target: { scope, resource, ref, template, templatePath: t.path, pod }, root: t.path });
      continue;
    }
    for (const c of containers) {
      out.push({
        target: { scope, resource, ref, template, templatePath: t.path, pod, container: c.container, name: c.name, list: c.list, index: c.index },
        root: t.path + c.path,
        container: c.name,
      });
    }
  }
  return out;
}

function runResourceLinks(state: RunState, doc: DocState, links: ChainLink[], positionOf: (path: string) => SourcePosition = (p) => inputPosition(doc, p)): void {
  const file = doc.file.file;
  // A frozen copy of each resource for transforms to read, remade only after edits changed it.
  const snapshots = new Map<string, JsonObject>();
  for (const link of links) {
    const scope = link.transform.scope as Exclude<Scope, 'stream'>;
    for (const plan of doc.plans) {
      const r = plan.entry;
      if (scope !== 'resource' && plan.templates.length === 0) continue;
      let snapshot = snapshots.get(r.path);
      if (!snapshot) {
        const current = r.path === '' ? doc.working! : (getPath(doc.working, r.path) as JsonObject);
        snapshot = state.options.freezeTargets ? freeze(cloneJson(current)) : current;
        snapshots.set(r.path, snapshot);
      }
      for (const run of targetsFor(scope, plan, snapshot, (t) => t.exemptions, link.id)) {
        const ex = run.root === '' && plan.templates.length === 0 ? plan.exemptions : plan.templates.find((t) => run.root.startsWith(t.path))?.exemptions ?? plan.exemptions;
        const abs = r.path + run.root;
        const whole = exemptionFor(ex, link.id, run.container);
        if (whole) {
          // The node-agent finding already names every transform it kept from running.
          if (whole.by !== 'node agent') doc.findings.push(skippedFinding(doc, plan.info, link.id, whole, abs, `${link.id} not run${run.container ? ` on container ${run.container}` : ''}`));
          continue;
        }
        const edits = runTransform(link, run.target as Exclude<Target, { scope: 'stream' }>, positionOf, abs);
        const exemptContainers = run.target.scope === 'container' ? [] : (run.target as { pod?: PodFacts }).pod?.exemptContainers ?? [];
        for (const f of edits.findings) {
          // An exempted container gets no findings from the transform it opted out of.
          if (exemptContainers.length && exemptContainers.includes(containerNameAt(run.target, f.path ?? '') ?? '\u0000')) continue;
          const path = abs + (f.path ?? '');
          doc.findings.push({ ...f, path, transform: link.id, file, document: doc.index, resource: plan.info });
        }
        for (const edit of edits.edits) {
          const path = abs + edit.path;
          const container = containerNameAt(run.target, edit.path);
          const skipped = container !== undefined ? exemptionFor(ex, link.id, container) : undefined;
          if (skipped) {
            doc.findings.push(skippedFinding(doc, plan.info, link.id, skipped, path, `not applied (${edit.op} ${path}): ${edit.reason}`));
            continue;
          }
          if (applyEdit(doc, link.id, plan.info, { ...edit, path }, positionOf)) snapshots.delete(r.path);
        }
      }
    }
  }
}

function skippedFinding(doc: DocState, info: ResourceInfo, id: string, source: ExemptionSource, path: string, what: string): ReportedFinding {
  return { transform: id, file: doc.file.file, document: doc.index, resource: info, code: 'skipped', severity: 'info', message: `${what}, because of the ${describeExemption(source)}`, path };
}

/** Runs one transform on one target; a throw becomes an input error (a wrong shape) or a transform error (a bug). */
function runTransform(link: ChainLink, target: Exclude<Target, { scope: 'stream' }>, positionOf: (path: string) => SourcePosition, abs: string): TargetEdits {
  const root = target.scope === 'resource' ? target.resource : target.scope === 'podTemplate' ? target.template : target.container;
  const ctx = new TargetEdits(root, link.transform.messages, link.id);
  try {
    const out = (link.transform as Transform<unknown, typeof target.scope>).run(target as never, Object.assign(ctx, { options: link.options }) as never);
    if (out instanceof Promise) throw new Error(`a ${target.scope} transform must be synchronous (only stream transforms may be asynchronous)`);
  } catch (e) {
    if (e instanceof InvalidShapeError) {
      const path = abs + e.path;
      throw new InputError(positionOf(path), `${path} must be ${e.expected}, found ${describeType(e.actual)}`);
    }
    throw new TransformError(link.id, positionOf(abs), e);
  }
  for (const edit of ctx.edits) {
    if (!edit.path.startsWith('/') && edit.path !== '') throw new TransformError(link.id, positionOf(abs), new Error(`edit path ${JSON.stringify(edit.path)} is not a JSON Pointer`));
  }
  return ctx;
}

/** Applies one edit (absolute path in the document) to the working value; records it when it changed something. */
function applyEdit(doc: DocState, transform: string, info: ResourceInfo, edit: Edit, positionOf: (path: string) => SourcePosition): boolean {
  if (!doc.owned) {
    // Copy on write: the input value stays as read (the report's "before"), and a document
    // written once keeps the value its text reads as, to write the rest as a diff from it. Only
    // what an edit changes is copied (the path to it); the rest is shared with that value.
    if (doc.written && doc.base === undefined) doc.base = doc.working;
    doc.working = shallowCopy(doc.working!);
    doc.owned = new WeakSet([doc.working]);
  }
  let outcome;
  try {
    outcome = applyPatchOperation(doc.working!, { op: edit.op, path: edit.path, value: edit.value }, doc.owned);
  } catch (e) {
    if (e instanceof PatchError) throw new TransformError(transform, positionOf(edit.path), e);
    throw e;
  }
  if (!outcome.changed) return false;
  doc.dirty = true;
  doc.edits.push({
    transform,
    file: doc.file.file,
    document: doc.index,
    resource: info,
    op: edit.op,
    path: edit.path,
    ...(outcome.previous !== undefined ? { previous: outcome.previous } : {}),
    ...(edit.op !== 'remove' ? { value: edit.value } : {}),
    reason: edit.reason,
    line: 0,
  });
  return true;
}

/** The name of the container an edit lands in, when it lands in one. */
function containerNameAt(target: Target, editPath: string): string | undefined {
  if (target.scope === 'container') return target.name;
  if (target.scope !== 'podTemplate') return undefined;
  const m = /^\/spec\/(containers|initContainers|ephemeralContainers)\/(\d+)/.exec(editPath);
  if (!m) return undefined;
  const c = (target.template as any)?.spec?.[m[1]]?.[Number(m[2])];
  return typeof c?.name === 'string' ? c.name : `#${m[2]}`;
}

// ---- the stream links --------------------------------------------------------------------

function identity(ref: ResourceRef): string {
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${group}\u0000${ref.kind}\u0000${ref.namespace ?? ''}\u0000${ref.name ?? ''}`;
}

function runStreamLink(state: RunState, link: ChainLink): Promise<void> | undefined {
  const handles = new Map<StreamResource, { doc?: DocState; plan?: ResourcePlan; generated?: GeneratedResource }>();
  const resources: StreamResource[] = [];
  const byIdentity = new Map<string, StreamResource>();
  const freezeIt = <T>(v: T): T => (state.options.freezeTargets ? freeze(cloneJson(v)) : v);
  for (const f of state.files) {
    for (const d of f.docs) {
      for (const plan of d.plans) {
        const value = plan.entry.path === '' ? d.working! : (getPath(d.working, plan.entry.path) as JsonObject);
        const handle: StreamResource = { ref: refOf(plan.info), value: freezeIt(value), file: f.file, generated: false, templatePaths: plan.templates.map((t) => t.path) };
        if (exemptionFor(plan.exemptions, link.id)) handle.exempt = true;
        handles.set(handle, { doc: d, plan });
        resources.push(handle);
        byIdentity.set(identity(handle.ref), handle);
      }
    }
  }
  for (const g of state.generated) {
    handles.set(g.handle, { generated: g.record });
    resources.push(g.handle);
    byIdentity.set(identity(g.handle.ref), g.handle);
  }
  const contexts = new Map<StreamResource, TargetEdits>();
  const runFindings: (FindingInput & { resource?: StreamResource })[] = [];
  const skippedGenerations: RunFinding[] = [];
  const added: { record: GeneratedResource; handle: StreamResource }[] = [];
  const messages = link.transform.messages;
  const reporter = new TargetEdits({}, messages, link.id);
  const ctx = {
    options: link.options as Readonly<unknown>,
    on(resource: StreamResource) {
      const h = handles.get(resource);
      if (!h) throw new Error(`${link.id}: context.on() was given a resource that is not part of this run`);
      let c = contexts.get(resource);
      if (!c) contexts.set(resource, (c = new TargetEdits(resource.value, messages, link.id)));
      return c;
    },
    generate(value: JsonObject, reason: string): StreamResource {
      if (typeof value.apiVersion !== 'string' || typeof value.kind !== 'string') throw new Error(`${link.id}: a generated resource needs apiVersion and kind`);
      const marked = withReleaseName(withManagedByLabel(value), releaseOf(state));
      const meta = isPlainObject(marked.metadata) ? marked.metadata : {};
      const ref: ResourceRef = { apiVersion: value.apiVersion, kind: value.kind, ...(typeof meta.name === 'string' ? { name: meta.name } : {}), ...(typeof meta.namespace === 'string' ? { namespace: meta.namespace } : {}) };
      const existing = byIdentity.get(identity(ref));
      if (existing) return existing;
      const exempted = generationExemption(state, link.id, marked, ref, byIdentity, handles);
      if (exempted) {
        // Exemptions reach what a transform would add too: into an exempted namespace, or matching an exclude rule.
        skippedGenerations.push({ code: 'skipped', severity: 'info', message: `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? ''} not generated (${reason}), because of the ${describeExemption(exempted)}`, transform: link.id, resource: ref });
        return { ref, value: marked, generated: true, templatePaths: [], exempt: true };
      }
      const record: GeneratedResource = { transform: link.id, reason, ref, value: marked };
      const handle: StreamResource = { ref, value: marked, generated: true, templatePaths: [] };
      handles.set(handle, { generated: record });
      byIdentity.set(identity(ref), handle);
      added.push({ record, handle });
      return handle;
    },
    report(f: FindingInput & { resource?: StreamResource }) {
      reporter.report(f);
      runFindings.push(f);
    },
  };
  const target = { scope: 'stream' as const, resources };
  const apply = () => {
    applyStreamResults(state, link, handles, contexts, runFindings, reporter.findings, added);
    state.findings.push(...skippedGenerations);
  };
  let out: void | Promise<void>;
  try {
    out = (link.transform as Transform<unknown, 'stream'>).run(target, ctx);
  } catch (e) {
    throw new TransformError(link.id, { file: '(stream)' }, e);
  }
  if (out instanceof Promise) {
    return out.then(apply, (e) => {
      // An exec plugin that fails is the user's problem to fix (UsageError), not a kharden bug.
      if (e instanceof InputError || e instanceof TransformError || e instanceof UsageError) throw e;
      throw new TransformError(link.id, { file: '(stream)' }, e);
    });
  }
  apply();
  return undefined;
}

function applyStreamResults(
  state: RunState,
  link: ChainLink,
  handles: Map<StreamResource, { doc?: DocState; plan?: ResourcePlan; generated?: GeneratedResource }>,
  contexts: Map<StreamResource, TargetEdits>,
  runFindings: (FindingInput & { resource?: StreamResource })[],
  resolved: Finding[],
  added: { record: GeneratedResource; handle: StreamResource }[],
): void {
  for (const [resource, c] of contexts) {
    const h = handles.get(resource)!;
    if (h.generated) {
      // Edits to what this run generated change the generated value itself.
      for (const e of c.edits) applyPatchOperation(h.generated.value, e);
      for (const f of c.findings) state.findings.push({ ...f, transform: link.id, resource: h.generated.ref });
      continue;
    }
    const doc = h.doc!;
    const plan = h.plan!;
    const base = plan.entry.path;
    const skipped = exemptionFor(plan.exemptions, link.id);
    for (const f of c.findings) doc.findings.push({ ...f, path: base + (f.path ?? ''), transform: link.id, file: doc.file.file, document: doc.index, resource: plan.info });
    for (const e of c.edits) {
      const path = base + e.path;
      if (skipped) {
        doc.findings.push(skippedFinding(doc, plan.info, link.id, skipped, path, `not applied (${e.op} ${path}): ${e.reason}`));
        continue;
      }
      applyEdit(doc, link.id, plan.info, { ...e, path }, (p) => inputPosition(doc, p));
    }
  }
  runFindings.forEach((f, i) => {
    const h = f.resource ? handles.get(f.resource) : undefined;
    const finding = resolved[i];
    if (h?.doc && h.plan) {
      const path = h.plan.entry.path + (finding.path ?? '');
      h.doc.findings.push({ ...finding, path, transform: link.id, file: h.doc.file.file, document: h.doc.index, resource: h.plan.info });
    } else state.findings.push({ ...finding, transform: link.id, ...(f.resource ? { resource: f.resource.ref } : {}) });
  });
  state.generated.push(...added);
}

/**
 * Why a resource a stream transform would add is exempted, if it is: an exclude rule that matches
 * it (kind, namespace, name, labels), or an exemption of the Namespace object it would go into.
 */
function generationExemption(
  state: RunState,
  id: string,
  value: JsonObject,
  ref: ResourceRef,
  byIdentity: Map<string, StreamResource>,
  handles: Map<StreamResource, { plan?: ResourcePlan }>,
): ExemptionSource | undefined {
  const o = state.options;
  const own = decideExemptions({
    resource: value,
    kind: ref.kind,
    name: ref.name,
    namespace: ref.namespace,
    containers: [],
    rules: o.exclude ?? [],
    knownIds: state.knownIds,
    knownAnnotations: o.knownAnnotations ?? [],
    privilegeIds: [],
    nodeAgents: 'harden',
  });
  const byRule = exemptionFor(own, id);
  if (byRule) return byRule;
  if (ref.namespace === undefined) return undefined;
  const namespace = byIdentity.get(identity({ apiVersion: 'v1', kind: 'Namespace', name: ref.namespace }));
  const plan = namespace ? handles.get(namespace)?.plan : undefined;
  return plan ? exemptionFor(plan.exemptions, id) : undefined;
}

function refOf(info: ResourceInfo): ResourceRef {
  return { apiVersion: info.apiVersion, kind: info.kind, ...(info.name !== undefined ? { name: info.name } : {}), ...(info.namespace !== undefined ? { namespace: info.namespace } : {}) };
}

/** Decides once per run which release suffix generated names get (see HardenOptions.helmRelease), and says so in the report. */
function releaseOf(state: RunState): string | undefined {
  if (state.release === undefined) {
    const opt = state.options.helmRelease;
    state.release = typeof opt === 'string' ? { name: opt, from: 'given with --release' } : opt ? detectHelmRelease(state) : null;
    if (state.release) {
      state.findings.push({
        code: 'generatedForRelease',
        severity: 'info',
        message: `the namespace-wide objects kharden generates are named for Helm release ${state.release.name} (${state.release.from}): kharden-…-${state.release.name}, so releases sharing a namespace do not claim the same objects`,
        transform: 'kharden',
      });
    }
  }
  return state.release?.name;
}

/** `app.kubernetes.io/instance: web` in block or flow style, quoted or not; the value is a release name's characters. */
const INSTANCE_LABEL = /(?:^|[\s{,])["']?app\.kubernetes\.io\/instance["']?\s*:\s*["']?([a-z0-9][-a-z0-9.]*)/gm;

/**
 * The one `app.kubernetes.io/instance` value a Helm-rendered input (`# Source:` comments) agrees
 * on, if any. Read from the text, not the composed resources, so documents no transform reads
 * (and so are not composed) count too.
 */
function detectHelmRelease(state: RunState): { name: string; from: string } | null {
  if (!state.files.some((f) => /^# Source: /m.test(f.input))) return null;
  const values = new Set<string>();
  for (const f of state.files) for (const m of f.input.matchAll(INSTANCE_LABEL)) values.add(m[1]);
  const [only] = values;
  return values.size === 1 && isHelmReleaseName(only) ? { name: only, from: 'the app.kubernetes.io/instance label of the Helm-rendered input' } : null;
}

/** A name Helm accepts for a release: a DNS-1123 label of at most 53 characters. */
export const isHelmReleaseName = (s: string) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s) && s.length <= 53;

/**
 * `kharden-…` names of generated objects other than Namespaces get the release suffix, kept a
 * valid DNS-1123 label of at most 63 characters (cut, with a hash of the full name, when longer).
 */
function withReleaseName(value: JsonObject, release: string | undefined): JsonObject {
  const meta = value.metadata as { name?: unknown } | undefined;
  if (!release || value.kind === 'Namespace' || typeof meta?.name !== 'string' || !meta.name.startsWith('kharden-')) return value;
  let name = `${meta.name}-${release}`;
  if (name.length > 63) {
    const hash = (lazyRequire('node:crypto') as typeof import('node:crypto')).createHash('sha256').update(name).digest('hex').slice(0, 8);
    name = `${name.slice(0, 63 - 9).replace(/-+$/, '')}-${hash}`;
  }
  meta.name = name;
  return value;
}

function withManagedByLabel(value: JsonObject): JsonObject {
  const out = cloneJson(value);
  const meta = isPlainObject(out.metadata) ? out.metadata : (out.metadata = {});
  const labels = isPlainObject(meta.labels) ? meta.labels : (meta.labels = {});
  labels[MANAGED_BY_LABEL] = MANAGED_BY;
  return out;
}

// ---- writing -----------------------------------------------------------------------------

function lineIn(text: string, offset: number): number {
  return lineCol(text, offset).line;
}

/** The input slice of a document, parsed again for positions (after its first syntax tree was dropped). */
function inputDocOf(doc: DocState): Document.Parsed {
  if (!doc.inputDoc) doc.inputDoc = parseDocument(doc.file.input.slice(doc.inputStart, doc.inputEnd), PARSE_OPTIONS) as Document.Parsed;
  return doc.inputDoc;
}


function inputPosition(doc: DocState, path: string, locate: typeof offsetOf = offsetOf): SourcePosition {
  const offset = doc.inputStart + locate(inputDocOf(doc), path);
  return { file: doc.file.file, document: doc.index, ...doc.file.lineCol(offset) };
}

/**
 * The input line of `path` found in the parse of the text as first written: its key's offset there,
 * mapped back through the first write's splices. Undefined when the key is in text the first write
 * inserted (the input has no such line: the caller asks the input itself).
 */
function lineThroughWrite(doc: DocState, written: Document.Parsed, path: string): number | undefined {
  let offset = keyOffsetOf(written, path);
  let delta = 0;
  for (const s of doc.firstSplices ?? []) {
    const at = s.start + delta;
    if (offset < at) break;
    if (offset < at + s.length) return undefined;
    delta += s.length - (s.end - s.start);
  }
  offset -= delta;
  return doc.file.lineCol(doc.inputStart + offset).line;
}

/** The input line a report names for `path`: its key's (see keyOffsetOf). */
function inputLine(doc: DocState, path: string): number {
  return inputPosition(doc, path, keyOffsetOf).line ?? 0;
}

function resolveLines(doc: DocState, lineOf: (path: string) => number | undefined): void {
  for (const e of doc.edits) if (e.line === 0) e.line = lineOf(e.path) ?? 0;
  for (const f of doc.findings) if (f.line === undefined) f.line = lineOf(f.path ?? '');
}

/**
 * Writes the net change of one document into its text, as splices. The caller reads the text back
 * (readBack) before anything is written: at once for a rewrite, at the end of the run for a first write.
 */
function writeDocument(
  file: string,
  index: number,
  src: string,
  sourceDoc: Document.Parsed,
  before: unknown,
  after: JsonObject,
  eol: '\n' | '\r\n',
  start: number,
  end: number,
  lineOf: (path: string) => number,
): { text: string; notes: ReportedFinding[]; splices: Splice[] } {
  const style = detectStyle(src, sourceDoc, eol);
  let splices;
  const notes: ReportedFinding[] = [];
  try {
    const out = diffToSplices(src, sourceDoc, before, after, style);
    splices = out.splices;
    for (const n of out.notes) notes.push({ transform: 'kharden', file, document: index, code: 'aliasExpanded', severity: 'warning', message: n.message, path: n.path, line: lineOf(n.path) });
  } catch (e) {
    if (e instanceof UnsupportedEditError) throw new InputError({ file, document: index, line: lineOf('') }, `cannot apply the edits without reformatting: ${e.message}`);
    throw e;
  }
  const next = applySplices(src.slice(start, end), splices, start, `${file} document ${index}`);
  return { text: next, notes, splices };
}

/** A transform that declares it ignores a value (KindRead.ignores) edited a document composed without it: a bug, never a write. */
function refusePruned(doc: DocState): void {
  if (!doc.pruned) return;
  const transforms = [...new Set(doc.edits.map((e) => e.transform))].join(', ') || 'a transform';
  throw new Error(`${transforms} edited ${doc.file.file} document ${doc.index}, which was read without ${doc.pruned.map((p) => `/${p.join('/')}`).join(', ')} because every transform reading it declares it ignores that (please report this)`);
}

/** Safety net: the written text must read back as exactly the edited value, or nothing is written (exit 3). */
function readBack(file: string, index: number, text: string, expected: JsonObject): Document.Parsed {
  const check = parseAllDocuments(text, PARSE_OPTIONS);
  const docs = Array.isArray(check) ? check : [];
  const ok = docs.length === 1 && docs[0].errors.length === 0 && readsBackAs(docs[0], expected);
  if (!ok) {
    if (process.env.KHARDEN_DEBUG) process.stderr.write(`--- written text ---\n${text}\n--- end ---\n`);
    throw new Error(`the edited text of ${file} document ${index} does not read back as the edited value (please report this with the input)`);
  }
  return docs[0] as Document.Parsed;
}

function readsBackAs(doc: Document.Parsed, expected: JsonObject): boolean {
  try {
    const read = documentValue(doc);
    return 'value' in read && deepEqual(read.value, expected);
  } catch {
    return false;
  }
}

function finish(state: RunState): RunResult {
  const files: FileResult[] = [];
  for (const fs of state.files) {
    const edits: AppliedEdit[] = [];
    const findings: ReportedFinding[] = [...fs.findings];
    const workloads: WorkloadRecord[] = [];
    const slices: string[] = [];
    let outputLine = 1;
    for (const doc of fs.docs) {
      const rewrite = doc.dirty && doc.base !== undefined && !deepEqual(doc.base, doc.working);
      // The first write's read-back: its parse is also what a later rewrite edits, and where the
      // input lines of later edits are found (through the first write's splices), so neither the
      // written text nor the input is parsed a second time.
      let current: Document.Parsed | undefined;
      if (doc.verifyAs) {
        current = readBack(fs.file, doc.index, doc.text, doc.verifyAs);
        doc.verifyAs = undefined;
        for (const e of doc.edits) doc.outputLines.set(e, lineIn(doc.text, keyOffsetOf(current, e.path)));
      } else if (rewrite) current = parseDocument(doc.text, PARSE_OPTIONS) as Document.Parsed;
      if (doc.edits.some((e) => e.line === 0) || doc.findings.some((f) => f.line === undefined)) {
        resolveLines(doc, (p) => (current && lineThroughWrite(doc, current, p)) || inputLine(doc, p));
      }
      if (rewrite) {
        refusePruned(doc);
        // Edited after its first write: write the rest into the written text, and read it back.
        const written = writeDocument(fs.file, doc.index, doc.text, current!, doc.base, doc.working!, fs.eol, 0, doc.text.length, (p) => inputLine(doc, p));
        const check = readBack(fs.file, doc.index, written.text, doc.working!);
        doc.text = written.text;
        findings.push(...written.notes);
        for (const e of doc.edits) doc.outputLines.set(e, lineIn(written.text, keyOffsetOf(check, e.path)));
      }
      for (const e of doc.edits) {
        const l = doc.outputLines.get(e);
        if (l !== undefined) e.outputLine = outputLine + l - 1;
      }
      edits.push(...doc.edits);
      findings.push(...doc.findings);
      workloads.push(...workloadRecords(doc));
      slices.push(doc.text);
      outputLine += countLines(doc.text);
      doc.inputDoc = undefined;
    }
    const changed = fs.docs.some((d) => d.text !== d.file.input.slice(d.inputStart, d.inputEnd));
    const output = changed ? slices.join('') : fs.input;
    files.push({ file: fs.file, input: fs.input, output, changed: output !== fs.input, documents: fs.docs.length, edits, findings, workloads });
  }
  return { files, generated: state.generated.map((g) => g.record), findings: state.findings };
}

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function workloadRecords(doc: DocState): WorkloadRecord[] {
  const out: WorkloadRecord[] = [];
  for (const plan of doc.plans) {
    for (const t of plan.templates) {
      const after = getPath(doc.working, plan.entry.path + t.path) as JsonObject;
      const exemptions: ExemptionRecord[] = [];
      for (const [id, s] of t.exemptions.workload) exemptions.push({ transform: id, ...s });
      for (const [container, m] of t.exemptions.containers) for (const [id, s] of m) exemptions.push({ transform: id, container, ...s });
      out.push({
        file: doc.file.file,
        document: doc.index,
        resource: plan.info,
        templatePath: plan.entry.path + t.path,
        before: t.before,
        after,
        edited: !deepEqual(t.before, after),
        exemptions,
        ...(t.exemptions.nodeAgent ? { nodeAgent: t.exemptions.nodeAgent } : {}),
      });
    }
  }
  return out;
}

function getPath(root: unknown, pointer: string): unknown {
  if (pointer === '') return root;
  let node: any = root;
  for (const seg of pointer.slice(1).split('/')) {
    const key = seg.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object') return undefined;
    node = node[key];
  }
  return node;
}
