/** Small helpers shared by the built-in transforms. */
import type { Json, JsonObject } from '../src/core/types.js';
import { isPlainObject } from '../src/lib/json.js';

export { mapAt, listAt, valueAt } from '../src/core/ensure.js';
export { isPlainObject } from '../src/lib/json.js';
export { containersOf } from '../src/core/resources.js';

export function str(v: Json | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function obj(v: unknown): JsonObject {
  return isPlainObject(v) ? v : {};
}

/** Capability names as the Pod Security checks compare them: `cap_net_raw` and `CAP_NET_RAW` are `NET_RAW`. */
export function capabilityName(c: unknown): string {
  return String(c).trim().toUpperCase().replace(/^CAP_/, '');
}

/** A CRD's schemas (v1 and v1beta1): most of its bytes, and nothing a transform reads (KindRead.ignores). */
export const CRD_SCHEMAS = ['/spec/versions', '/spec/validation'] as const;
