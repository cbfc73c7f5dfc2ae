/**
 * Every upstream Pod Security Admission `restricted` fail fixture, hardened with the restricted
 * profile, is admitted by `restricted` — unless what still fails can only be fixed by changing
 * what the pod does (host namespaces, host paths, host ports, unsafe sysctls, Windows
 * hostProcess), and then the report lists a finding naming each of those checks.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { hardenText } from '../../src/core/engine.js';
import type { HardenOptions } from '../../src/core/engine.js';
import { hardenOptionsOf, resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { evaluatePod } from '../../src/pss/index.js';
import { SHARED } from '../helpers/harness.js';
import { checksNamedBy, UNFIXABLE } from '../helpers/unfixable.js';

const ROOT = path.join(SHARED, 'corpus/psa/restricted');
const present = fs.existsSync(ROOT);
if (!present) console.warn(`skipping PSA hardening fixtures: ${ROOT} is absent`);


let options: HardenOptions;
let full: HardenOptions;
let privilegeIds: string[];
beforeAll(async () => {
  const p = await resolveProfile('restricted', loadProfileFile);
  options = { ...hardenOptionsOf(p), freezeTargets: true };
  full = { ...options, nodeAgents: 'harden' };
  privilegeIds = p.chain.filter((l) => l.transform.changesPrivileges).map((l) => l.id);
});

const fixtures = present
  ? fs.readdirSync(ROOT).flatMap((v) => {
      const dir = path.join(ROOT, v, 'fail');
      return fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => `${v}/fail/${f}`) : [];
    })
  : [];

describe.skipIf(!present)('restricted fail fixtures after hardening, node agents kept privileged (the default)', () => {
  test.each(fixtures)('%s', (name) => {
    const text = fs.readFileSync(path.join(ROOT, name), 'utf8');
    const before = YAML.parse(text);
    const stuck = evaluatePod(before.metadata, before.spec).failures.filter((f) => f.level === 'baseline' && UNFIXABLE.has(f.check));
    const result = hardenText(name, text, options);
    if (stuck.length === 0) {
      // Not a node agent: hardened exactly as with nodeAgents: harden.
      expect(result.output).toBe(hardenText(name, text, full).output);
      expect(result.findings.some((f) => f.code === 'nodeAgent')).toBe(false);
      return;
    }
    // A pod that stays privileged whatever kharden does keeps what it needs, and the report says why.
    const after = YAML.parse(result.output);
    expect(evaluatePod(after.metadata, after.spec).level).toBe('privileged');
    const agent = result.findings.find((f) => f.code === 'nodeAgent');
    expect(agent, 'a nodeAgent finding').toBeDefined();
    for (const f of stuck) expect(agent!.message).toContain(f.check);
    expect(result.edits.filter((e) => privilegeIds.includes(e.transform))).toEqual([]);
    expect(hardenText(name, result.output, options).output).toBe(result.output);
  });
});

describe.skipIf(!present)('restricted fail fixtures after hardening, with nodeAgents: harden', () => {
  test('there are fixtures', () => expect(fixtures.length).toBeGreaterThan(100));
  test.each(fixtures)('%s', (name) => {
    const text = fs.readFileSync(path.join(ROOT, name), 'utf8');
    const before = YAML.parse(text);
    expect(evaluatePod(before.metadata, before.spec).level, 'the fixture fails restricted to begin with').not.toBe('restricted');
    const result = hardenText(name, text, full);
    const after = YAML.parse(result.output);
    const verdict = evaluatePod(after.metadata, after.spec);
    const remaining = [...new Set(verdict.failures.map((f) => f.check))];
    for (const check of remaining) {
      expect(UNFIXABLE.has(check), `${check} still fails after hardening: ${JSON.stringify(verdict.failures)}`).toBe(true);
      expect(result.findings.some((f) => checksNamedBy(f).includes(check)), `a finding names ${check}`).toBe(true);
    }
    // Idempotent on these too.
    expect(hardenText(name, result.output, full).output).toBe(result.output);
  });
});
