/**
 * Build step (run by `npm run build`): takes one example per transform from its own fixture cases
 * (test/transforms/<id>/<case>/) into dist/examples.json, so `kharden explain` shows a real
 * before/after that the test suite checks, also from an installed package that has no test/.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BUILTIN_TRANSFORMS, loadTransform } from '../../transforms/index.js';
import { packageRoot } from '../io/profiles.js';
import type { TransformExample } from './explain.js';

function caseOf(dir: string, name: string): TransformExample | undefined {
  const read = (f: string) => (fs.existsSync(path.join(dir, name, f)) ? fs.readFileSync(path.join(dir, name, f), 'utf8') : undefined);
  const input = read('input.yaml');
  if (input === undefined) return undefined;
  const findings = read('findings.yaml');
  const generated = read('generated.yaml');
  return { case: name, input, ...(read('expected.yaml') !== undefined ? { expected: read('expected.yaml') } : {}), ...(generated ? { generated } : {}), ...(findings ? { findings: findings.trim() } : {}) };
}

export async function buildExamples(root = packageRoot()): Promise<Record<string, TransformExample>> {
  const out: Record<string, TransformExample> = {};
  for (const id of Object.keys(BUILTIN_TRANSFORMS)) {
    const transform = (await loadTransform(id))!;
    const dir = path.join(root, 'test/transforms', id);
    if (!fs.existsSync(dir)) continue;
    const cases = fs.readdirSync(dir).filter((c) => fs.statSync(path.join(dir, c)).isDirectory()).sort();
    const all = cases.map((c) => caseOf(dir, c)).filter((c): c is TransformExample => c !== undefined);
    // The transform's own choice, else the shortest case that changes something, else the shortest with findings.
    const chosen =
      all.find((c) => c.case === transform.example) ??
      [...all].filter((c) => c.expected !== undefined).sort((a, b) => a.input.length - b.input.length)[0] ??
      [...all].filter((c) => c.findings !== undefined).sort((a, b) => a.input.length - b.input.length)[0];
    if (chosen) out[id] = chosen;
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const root = packageRoot();
  const examples = await buildExamples(root);
  fs.writeFileSync(path.join(root, 'dist/examples.json'), JSON.stringify(examples, null, 1) + '\n');
}
