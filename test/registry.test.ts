/**
 * Keeps the transforms, profiles, tests and README consistent (after ESLint's checkRuleFiles).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { BUILTIN_TRANSFORMS, loadTransform } from '../transforms/index.js';
import { resolveProfile } from '../src/profiles/resolve.js';
import { loadProfileFile } from '../src/io/profiles.js';
import { REPO_ROOT } from './helpers/harness.js';

const transformFiles = fs
  .readdirSync(path.join(REPO_ROOT, 'transforms'))
  .filter((f) => f.endsWith('.ts') && !['index.ts', 'util.ts'].includes(f))
  .map((f) => f.slice(0, -3))
  .sort();
const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');

describe('transform registry', () => {
  test('every transform file is registered and every registration has a file', () => {
    expect(Object.keys(BUILTIN_TRANSFORMS).sort()).toEqual(transformFiles);
  });

  test.each(transformFiles)('%s: metadata, tests, fixtures and README row', async (id) => {
    const t = await loadTransform(id);
    expect(t, `${id} default-exports a transform`).toBeDefined();
    expect(t!.id).toBe(id);
    expect(id).toMatch(/^[a-z]+(-[a-z0-9]+)+$/);
    expect(t!.summary.length).toBeGreaterThan(10);
    expect(t!.reason.length).toBeGreaterThan(20);
    expect(t!.docs).toMatch(/^https:\/\/kubernetes\.io\//);
    expect(['resource', 'podTemplate', 'container', 'stream']).toContain(t!.scope);
    for (const [code, m] of Object.entries(t!.messages)) {
      expect(code, `${id}: finding codes are camelCase`).toMatch(/^[a-z][a-zA-Z0-9]+$/);
      expect(['error', 'warning', 'info']).toContain(m.severity);
      expect(m.title.length, `${id}: ${code} has a title`).toBeGreaterThan(3);
    }
    for (const [name, spec] of Object.entries(t!.options as Record<string, { description: string; default: unknown; check: (v: unknown, p: string) => unknown }>)) {
      expect(spec.description.length, `${id}: option ${name} is described`).toBeGreaterThan(5);
      expect(spec.check(spec.default, name), `${id}: option ${name}'s default passes its own check`).toEqual(spec.default);
    }
    expect(fs.existsSync(path.join(REPO_ROOT, 'test/transforms', `${id}.test.ts`)), 'has a test file').toBe(true);
    const cases = path.join(REPO_ROOT, 'test/transforms', id);
    const dirs = fs.readdirSync(cases);
    expect(dirs.some((d) => fs.existsSync(path.join(cases, d, 'unchanged'))), 'has an unchanged case').toBe(true);
    // A stream transform that only adds resources changes no input: its changing case has generated.yaml.
    expect(dirs.some((d) => ['expected.yaml', 'generated.yaml'].some((f) => fs.existsSync(path.join(cases, d, f)))), 'has a changing case').toBe(true);
    expect(readme).toContain(`| \`${id}\` |`);
  });
});

describe('profiles', () => {
  const profiles = fs.readdirSync(path.join(REPO_ROOT, 'profiles')).filter((f) => f.endsWith('.yaml'));
  test.each(profiles)('%s resolves and names only built-in transforms', async (file) => {
    const p = await resolveProfile(file.slice(0, -5), loadProfileFile);
    expect(p.chain.length).toBeGreaterThan(0);
    for (const link of p.chain) expect(BUILTIN_TRANSFORMS[link.id]).toBeDefined();
  });

  test('every transform is in the restricted profile', async () => {
    const restricted = await resolveProfile('restricted', loadProfileFile);
    expect(restricted.chain.map((l) => l.id).sort()).toEqual(transformFiles);
  });
});
