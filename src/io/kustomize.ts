/**
 * Kustomize sources: the files a kustomization names as patches are partial objects. Hardening
 * them as whole objects adds fields that then override the base (a Deployment patch without
 * serviceAccountName got automountServiceAccountToken: false, and the built metrics-server lost
 * its API access), so they are found here and left untouched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { isPlainObject } from '../lib/json.js';

export const KUSTOMIZATION_FILES = ['kustomization.yaml', 'kustomization.yml', 'Kustomization'];

/** The patch files (real paths) named by the kustomization in `dir`, if it has one. Unreadable kustomizations name none. */
export function kustomizePatchFiles(dir: string): string[] {
  const name = KUSTOMIZATION_FILES.find((n) => fs.existsSync(path.join(dir, n)));
  if (!name) return [];
  let value: unknown;
  try {
    value = parseDocument(fs.readFileSync(path.join(dir, name), 'utf8')).toJS();
  } catch {
    return [];
  }
  if (!isPlainObject(value)) return [];
  const refs: string[] = [];
  const pathOf = (entry: unknown) => (isPlainObject(entry) && typeof entry.path === 'string' ? entry.path : undefined);
  for (const field of ['patches', 'patchesJson6902']) {
    const list = value[field];
    if (Array.isArray(list)) for (const e of list) if (pathOf(e)) refs.push(pathOf(e)!);
  }
  const sm = value.patchesStrategicMerge;
  // Entries are file paths, or inline patches (YAML text with a newline or a `kind:`).
  if (Array.isArray(sm)) for (const e of sm) if (typeof e === 'string' && !e.includes('\n') && !/^\s*\w+\s*:/.test(e)) refs.push(e);
  const out: string[] = [];
  for (const ref of refs) {
    const abs = path.resolve(dir, ref);
    try {
      out.push(fs.realpathSync(abs));
    } catch {
      // A patch that does not exist is kustomize's error to report, not ours.
    }
  }
  return out;
}
