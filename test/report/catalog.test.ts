/**
 * Findings are explained from what the transforms declare: every code a built-in transform or the
 * engine declares has a title and a severity the reports use, and the rule a report shows for a
 * code is exactly its declaration with the transform's documentation link.
 */
import { describe, expect, test } from 'vitest';
import { BUILTIN_TRANSFORMS } from '../../transforms/index.js';
import { ENGINE_MESSAGES } from '../../src/core/engine.js';
import { describeFinding, needsAttention } from '../../src/report/catalog.js';

describe('finding rules come from the declarations', () => {
  test('every declared code explains itself', async () => {
    let codes = 0;
    for (const load of Object.values(BUILTIN_TRANSFORMS)) {
      const t = (await load()).default;
      for (const [code, spec] of Object.entries(t.messages)) {
        const rule = describeFinding(code, 'info', t.docs, spec);
        expect(rule).toMatchObject({ title: spec.title, level: spec.severity, docs: t.docs });
        if (spec.help) expect(rule.help).toBe(spec.help);
        codes++;
      }
    }
    for (const [code, spec] of Object.entries(ENGINE_MESSAGES)) expect(describeFinding(code, 'info', undefined, spec).level).toBe(spec.severity);
    expect(codes).toBeGreaterThan(25);
  });

  test('a code nothing declares still gets a rule, with the transform\'s docs', () => {
    expect(describeFinding('someFutureCode', 'warning', 'https://kubernetes.io/docs/x/')).toMatchObject({ title: 'someFutureCode', level: 'warning', docs: 'https://kubernetes.io/docs/x/' });
  });

  test('needs attention: errors and warnings, not notes', () => {
    expect(needsAttention('hostNetworkUnfixable', 'error')).toBe(true);
    expect(needsAttention('memoryLimitDefaulted', 'warning')).toBe(true);
    expect(needsAttention('writablePathsAdded', 'info')).toBe(false);
  });
});
