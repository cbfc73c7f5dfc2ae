/**
 * Compares what two tools produced as Kubernetes objects: parsed, keyed by apiVersion, kind,
 * namespace and name, with the orchestrators' bookkeeping annotations (kpt, kustomize) removed.
 * Formatting, order and those annotations are the tools' business; the objects must be equal.
 */
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

const BOOKKEEPING = /^(config\.kubernetes\.io|internal\.config\.kubernetes\.io|config\.k8s\.io|kustomize\.config\.k8s\.io)\//;

export type Obj = Record<string, any>;

export function objectsOf(stream: string): Map<string, Obj> {
  const out = new Map<string, Obj>();
  for (const doc of parseAllDocuments(stream, { version: '1.1' })) {
    if (doc.errors.length) throw new Error(`unreadable YAML: ${doc.errors[0].message}`);
    const v = doc.toJS() as Obj | null;
    if (v === null || v === undefined) continue;
    const key = keyOf(v);
    if (out.has(key)) throw new Error(`two objects named ${key}`);
    out.set(key, withoutBookkeeping(v));
  }
  return out;
}

export function keyOf(v: Obj): string {
  return `${v.apiVersion}/${v.kind}/${v.metadata?.namespace ?? ''}/${v.metadata?.name ?? ''}`;
}

export function withoutBookkeeping(v: Obj): Obj {
  const copy = structuredClone(v);
  const ann = copy.metadata?.annotations;
  if (ann && typeof ann === 'object') {
    for (const k of Object.keys(ann)) if (BOOKKEEPING.test(k)) delete ann[k];
    if (Object.keys(ann).length === 0) delete copy.metadata.annotations;
  }
  return copy;
}

/** Fails the test run loudly (not a skip) when a client the project relies on is missing. */
export function requireTool(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    throw new Error(`${cmd} is needed by these tests and is expected on the PATH of these machines: ${(e as Error).message}`);
  }
}
