/**
 * The fixture harness every transform's test uses (the RuleTester effect):
 * test/transforms/<id>/<case>/ holds input.yaml and either expected.yaml or an `unchanged`
 * marker, plus optional options.yaml (transform options), edits.yaml (the applied edits:
 * [{op, path, value?}]), findings.yaml (the finding codes expected, in order) and engine.yaml
 * (profile-level settings: nodeAgents, exclude rules in their one-line form).
 * For every case: output bytes equal expected.yaml; a second run changes nothing and makes no
 * edits; every input comment line survives. KHARDEN_UPDATE_FIXTURES=1 rewrites expectations.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { hardenText } from '../../src/core/engine.js';
import type { ChainLink, FileResult } from '../../src/core/engine.js';
import { BUILTIN_POD_TEMPLATE_LOCATIONS } from '../../src/core/resources.js';
import type { Transform } from '../../src/core/types.js';
import { checkOptions } from '../../src/core/options.js';
import { parseExcludeString } from '../../src/profiles/exclude.js';
import { annotationKeys } from '../../transforms/data/annotations.js';
import { BUILTIN_TRANSFORMS } from '../../transforms/index.js';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const SHARED = path.resolve(REPO_ROOT, '../shared');

/** Every *.yaml, *.yml and *.json under dir, recursively, in sorted order (what the CLI reads). */
export function listManifests(dir: string): string[] {
  return fs.readdirSync(dir).sort().flatMap((name) => {
    const full = path.join(dir, name);
    return fs.statSync(full).isDirectory() ? listManifests(full) : /\.(ya?ml|json)$/i.test(name) ? [full] : [];
  });
}

export function chainOf(transform: Transform<any>, options: Record<string, unknown> = {}): ChainLink[] {
  return [{ id: transform.id, transform, options: checkOptions(transform.options, options) }];
}

/** Engine settings a case may give in engine.yaml: `nodeAgents` and `exclude` (one-line rules), as a profile would. */
export interface EngineSettings {
  nodeAgents?: 'keep' | 'harden';
  exclude?: string[];
}

export function harden(text: string, chain: ChainLink[], file = 'input.yaml', settings: EngineSettings = {}): ReturnType<typeof hardenText> {
  return hardenText(file, text, {
    chain,
    podTemplateLocations: BUILTIN_POD_TEMPLATE_LOCATIONS,
    knownAnnotations: annotationKeys(),
    knownTransformIds: Object.keys(BUILTIN_TRANSFORMS),
    freezeTargets: true,
    ...(settings.nodeAgents ? { nodeAgents: settings.nodeAgents } : {}),
    ...(settings.exclude ? { exclude: settings.exclude.map((r) => parseExcludeString(r, `engine.yaml: ${r}`)) } : {}),
  });
}

export function commentLines(text: string): string[] {
  return text.split(/\r?\n/).filter((l) => /^\s*#/.test(l)).map((l) => l.trim());
}

/** Asserts a case's invariants shared by every fixture: idempotent, comments kept. */
export function assertStable(input: string, result: FileResult, chain: ChainLink[], settings: EngineSettings = {}): void {
  const again = harden(result.output, chain, 'input.yaml', settings);
  expect(again.output, 'second run must not change the output').toBe(result.output);
  expect(again.edits, 'second run must make no edits').toEqual([]);
  const kept = new Set(commentLines(result.output));
  for (const c of commentLines(input)) expect(kept.has(c), `comment line lost: ${c}`).toBe(true);
}

export function runTransformFixtures(transform: Transform<any>, dir = path.join(REPO_ROOT, 'test/transforms', transform.id)): void {
  runFixtureDir(dir, (options) => chainOf(transform, options), transform.id);
}

/** Runs every case directory under `dir` with the given chain (or a chain built from the case's options.yaml). */
export function runFixtureDir(dir: string, chainFor: ChainLink[] | ((options: Record<string, unknown>) => ChainLink[]), label: string): void {
  const cases = fs.existsSync(dir) ? fs.readdirSync(dir).filter((d) => fs.statSync(path.join(dir, d)).isDirectory()).sort() : [];
  describe(`${label} fixtures`, () => {
    test('has both changing and unchanged cases', () => {
      const kinds = cases.map((c) => (fs.existsSync(path.join(dir, c, 'unchanged')) ? 'unchanged' : 'changing'));
      expect(kinds).toContain('changing');
      expect(kinds).toContain('unchanged');
    });
    test.each(cases)('%s', (name) => {
      const caseDir = path.join(dir, name);
      const read = (f: string) => (fs.existsSync(path.join(caseDir, f)) ? fs.readFileSync(path.join(caseDir, f), 'utf8') : undefined);
      const input = read('input.yaml');
      expect(input, `${name}: input.yaml is missing`).toBeDefined();
      const options = read('options.yaml');
      const chain = typeof chainFor === 'function' ? chainFor(options ? YAML.parse(options) ?? {} : {}) : chainFor;
      const engine = read('engine.yaml');
      const settings: EngineSettings = engine ? YAML.parse(engine) ?? {} : {};
      const result = harden(input!, chain, 'input.yaml', settings);
      const unchanged = fs.existsSync(path.join(caseDir, 'unchanged'));
      const expected = read('expected.yaml');
      if (process.env.KHARDEN_UPDATE_FIXTURES && !unchanged) fs.writeFileSync(path.join(caseDir, 'expected.yaml'), result.output);
      else if (unchanged) {
        expect(expected, `${name}: a no-op case has an "unchanged" marker, never expected.yaml`).toBeUndefined();
        expect(result.output).toBe(input);
        expect(result.edits).toEqual([]);
      } else {
        expect(expected, `${name}: needs expected.yaml or an "unchanged" marker`).toBeDefined();
        expect(result.output).toBe(expected);
        expect(result.output).not.toBe(input);
      }
      const edits = read('edits.yaml');
      if (edits) expect(result.edits.map((e) => ({ op: e.op, path: e.path, ...(e.value !== undefined ? { value: e.value } : {}) }))).toEqual(YAML.parse(edits));
      const findings = read('findings.yaml');
      if (findings) expect(result.findings.map((f) => f.code)).toEqual(YAML.parse(findings) ?? []);
      assertStable(input!, result, chain, settings);
    });
  });
}
