/**
 * `kharden list` and `kharden explain` come from the transforms' own metadata and fixtures: every
 * transform file shows up, and each explanation carries its reason, docs, options with defaults and
 * an example that is one of its own test cases, byte for byte.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { BUILTIN_TRANSFORMS, loadTransform } from '../../transforms/index.js';
import { assertBuilt, kharden, ROOT } from './spawn.js';

const ids = fs.readdirSync(path.join(ROOT, 'transforms')).filter((f) => f.endsWith('.ts') && !['index.ts', 'util.ts'].includes(f)).map((f) => f.slice(0, -3)).sort();
const cwd = os.tmpdir();
beforeAll(() => assertBuilt());

describe('kharden list', () => {
  test('prints every transform in transforms/, with its summary, scope and built-in profiles', async () => {
    const r = await kharden(['list'], { cwd });
    expect(r.code).toBe(0);
    const out = r.stdout.toString();
    for (const id of ids) {
      const t = (await loadTransform(id))!;
      expect(out).toMatch(new RegExp(`^${id}\\s+${t.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}  \\[${t.scope}; `, 'm'));
    }
    expect(Object.keys(BUILTIN_TRANSFORMS).sort()).toEqual(ids);
  });
});

describe('kharden explain', () => {
  test.each(ids)('%s', async (id) => {
    const t = (await loadTransform(id))!;
    const r = await kharden(['explain', id], { cwd });
    expect(r.code).toBe(0);
    const out = r.stdout.toString();
    expect(out.startsWith(`${id} — ${t.summary}\n`)).toBe(true);
    expect(out).toContain(t.reason);
    expect(out).toContain(`Kubernetes documentation: ${t.docs}`);
    for (const name of Object.keys(t.options as object)) expect(out).toContain(`  ${name} (`);
    for (const spec of Object.values(t.options as Record<string, { default: unknown }>)) expect(out).toContain(`default ${JSON.stringify(spec.default)}`);
    for (const code of Object.keys(t.messages)) expect(out).toContain(`  ${code} (`);
    const m = /Example \(test case ([^)]+)\):/.exec(out);
    expect(m, 'an example from its own fixtures').not.toBeNull();
    const caseDir = path.join(ROOT, 'test/transforms', id, m![1]);
    const indented = (f: string) => fs.readFileSync(path.join(caseDir, f), 'utf8').replace(/\n$/, '').split('\n').map((l) => `    ${l}`).join('\n');
    expect(out).toContain(`  before:\n${indented('input.yaml')}`);
    if (fs.existsSync(path.join(caseDir, 'expected.yaml'))) expect(out).toContain(`  after:\n${indented('expected.yaml')}`);
    if (fs.existsSync(path.join(caseDir, 'generated.yaml'))) expect(out).toContain(`  generated:\n${indented('generated.yaml')}`);
  });

  test('an unknown id is a usage error', async () => {
    const r = await kharden(['explain', 'no-such'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown transform "no-such"');
  });
});
