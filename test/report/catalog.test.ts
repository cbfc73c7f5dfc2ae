/**
 * The finding catalogue against the code that emits findings: every code a transform or the engine
 * can emit has an entry (a new code without one fails here, not silently in a SARIF rule), every
 * entry is emitted somewhere, and its level is the level it is emitted at.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { BUILTIN_TRANSFORMS } from '../../transforms/index.js';
import { describeFinding, FINDING_CATALOG, needsAttention } from '../../src/report/catalog.js';
import { REPO_ROOT } from '../helpers/harness.js';

/** Every `code: 'x', severity: 'y'` in a source file, plus report-unfixable's host-namespace table. */
function emittedCodes(): Map<string, Set<string>> {
  const files = [
    ...fs.readdirSync(path.join(REPO_ROOT, 'transforms')).filter((f) => f.endsWith('.ts')).map((f) => path.join(REPO_ROOT, 'transforms', f)),
    path.join(REPO_ROOT, 'src/core/engine.ts'),
  ];
  const codes = new Map<string, Set<string>>();
  const add = (code: string, severity: string) => codes.set(code, (codes.get(code) ?? new Set()).add(severity));
  for (const f of files) {
    const text = fs.readFileSync(f, 'utf8');
    for (const m of text.matchAll(/code: '([A-Za-z]+)',\s*severity: '(error|warning|info)'/g)) add(m[1], m[2]);
    // Findings built from a table: [field, code, …] rows whose severity is set where the table is read.
    for (const m of text.matchAll(/\['[A-Za-z]+', '([a-z][A-Za-z]+Unfixable)'/g)) add(m[1], 'error');
    // A `code:` whose severity the regex above could not pair must still be known.
    for (const m of text.matchAll(/code: '([A-Za-z]+)'/g)) if (!codes.has(m[1])) add(m[1], '?');
  }
  return codes;
}

/** Codes the transforms declare in `messages` (the contract that declares them), with their severity. */
async function declaredCodes(): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const load of Object.values(BUILTIN_TRANSFORMS)) {
    const t = (await load()).default as { messages?: Record<string, { severity: string }> };
    for (const [code, spec] of Object.entries(t.messages ?? {})) out.set(code, spec.severity);
  }
  return out;
}

describe('finding catalogue', () => {
  const emitted = emittedCodes();
  let declared = new Map<string, string>();
  beforeAll(async () => {
    declared = await declaredCodes();
    for (const [code, severity] of declared) emitted.set(code, (emitted.get(code) ?? new Set()).add(severity));
  });

  test('the scan finds the codes (it is not vacuous)', () => {
    expect(emitted.size).toBeGreaterThan(25);
    expect(emitted.get('hostNetworkUnfixable')).toEqual(new Set(['error']));
    expect(emitted.get('memoryLimitDefaulted')).toEqual(new Set(['info']));
  });

  test('every emitted code is explained (a catalogue entry, or the title its transform declares) at the level it is emitted at', () => {
    for (const [code, severities] of emitted) {
      const rule = FINDING_CATALOG[code];
      expect(rule !== undefined || declared.has(code), `${code} has no entry in src/report/catalog.ts and no declared message`).toBe(true);
      if (rule) for (const s of severities) if (s !== '?') expect(rule.level, code).toBe(s);
    }
  });

  test('every entry is emitted somewhere, and explains itself with a Kubernetes docs link', () => {
    for (const [code, rule] of Object.entries(FINDING_CATALOG)) {
      expect(emitted.has(code), `${code} is in the catalogue but nothing emits it`).toBe(true);
      expect(rule.title.length, code).toBeGreaterThan(10);
      expect(rule.description.length, code).toBeGreaterThan(30);
      expect(rule.help.length, code).toBeGreaterThan(10);
      expect(rule.docs, code).toMatch(/^https:\/\/kubernetes\.io\/docs\/[a-z0-9/#-]+$/);
    }
  });

  test('needs attention: errors, warnings, and info findings that ask to confirm a default', () => {
    expect(needsAttention('hostNetworkUnfixable', 'error')).toBe(true);
    expect(needsAttention('writablePathsUnknown', 'warning')).toBe(true);
    expect(needsAttention('memoryLimitDefaulted', 'info')).toBe(true);
    expect(needsAttention('imageMayRequireRoot', 'info')).toBe(true);
    expect(needsAttention('writablePathsAdded', 'info')).toBe(false);
    expect(needsAttention('someFutureCode', 'info')).toBe(false);
  });

  test('an unknown code still gets a rule, with the transform\'s docs', () => {
    expect(describeFinding('someFutureCode', 'warning', 'https://kubernetes.io/docs/x/')).toMatchObject({ title: 'someFutureCode', level: 'warning', docs: 'https://kubernetes.io/docs/x/' });
  });

  test("what the transform declares wins over the table; the table adds the description and the docs", () => {
    const rule = describeFinding('memoryLimitDefaulted', 'info', undefined, { severity: 'warning', title: 'memory limit chosen by kharden', help: 'measure it' });
    expect(rule).toMatchObject({ title: 'memory limit chosen by kharden', help: 'measure it', level: 'warning', confirm: true, docs: FINDING_CATALOG.memoryLimitDefaulted.docs, description: FINDING_CATALOG.memoryLimitDefaulted.description });
    expect(describeFinding('brandNew', 'error', 'https://kubernetes.io/docs/y/', { severity: 'error', title: 'brand new thing' })).toMatchObject({ title: 'brand new thing', description: 'brand new thing.', docs: 'https://kubernetes.io/docs/y/' });
  });
});
