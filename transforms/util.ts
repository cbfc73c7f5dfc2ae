/** Small helpers shared by the built-in transforms. */
import type { Json, JsonObject, Target } from '../src/core/types.js';
import { isPlainObject } from '../src/core/ensure.js';

export { ensure, ensureAbsent, mapAt, listAt, valueAt, isPlainObject } from '../src/core/ensure.js';
export { containersOf } from '../src/core/resources.js';

/**
 * Windows pods (`spec.os.name: windows`) are exempt from the Linux-only restricted checks
 * (seccomp, capabilities, privilege escalation), exactly as Pod Security admission decides it.
 */
export function isWindowsPod(template: unknown): boolean {
  const spec = isPlainObject(template) ? template.spec : undefined;
  return isPlainObject(spec) && isPlainObject(spec.os) && spec.os.name === 'windows';
}

/** Runs on Windows nodes: `spec.os.name`, or (older manifests) only a nodeSelector pinning Windows nodes. */
export function targetsWindowsNodes(template: unknown): boolean {
  if (isWindowsPod(template)) return true;
  const spec = isPlainObject(template) ? template.spec : undefined;
  return isPlainObject(spec) && isPlainObject(spec.nodeSelector) && spec.nodeSelector['kubernetes.io/os'] === 'windows';
}

export function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function obj(v: unknown): JsonObject {
  return isPlainObject(v) ? v : {};
}

/** The engine tells a transform which containers opted out of it (`kharden.dev/skip.<name>`). */
export function isSkipped(target: Target, container: string): boolean {
  return target.skippedContainers?.includes(container) ?? false;
}
