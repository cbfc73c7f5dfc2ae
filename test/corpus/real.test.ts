/**
 * Fidelity over every file of ../shared/corpus/real: output parses; documents kept; comments
 * kept; untouched documents byte-identical; in edited documents every removed input line lies
 * inside a value an edit replaced or removed; a second run is byte-identical. Files that are not
 * valid YAML are refused with an error naming file and line (INVALID lists them, with why).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test, beforeAll } from 'vitest';
import { hardenText } from '../../src/core/engine.js';
import type { HardenOptions } from '../../src/core/engine.js';
import { InputError } from '../../src/lib/errors.js';
import { decodeInput } from '../../src/yaml/stream.js';
import { hardenOptionsOf, resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { listManifests, SHARED } from '../helpers/harness.js';
import { INVALID } from '../helpers/corpus.js';
import { expectFaithful } from '../helpers/fidelity.js';

const ROOT = path.join(SHARED, 'corpus/real');
const present = fs.existsSync(ROOT);
if (!present) console.warn(`skipping the real-manifest corpus: ${ROOT} is absent (../shared is not beside the project)`);

let options: HardenOptions;
beforeAll(async () => {
  const p = await resolveProfile('restricted', loadProfileFile);
  options = { ...hardenOptionsOf(p), freezeTargets: true };
});

describe.skipIf(!present)('real-world corpus', () => {
  const files = present ? listManifests(ROOT) : [];
  const rel = (f: string) => path.relative(ROOT, f);

  test('every INVALID entry still exists', () => {
    for (const f of Object.keys(INVALID)) expect(fs.existsSync(path.join(ROOT, f)), f).toBe(true);
  });

  test.each(files.map((f) => [rel(f), f]))('%s', async (name, file) => {
    const bytes = fs.readFileSync(file);
    const invalid = INVALID[name];
    if (invalid) {
      let error: unknown;
      try {
        hardenText(file, decodeInput(bytes, file), options);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(InputError);
      expect((error as InputError).message).toMatch(invalid);
      expect((error as InputError).position.line, 'error names a line').toBeGreaterThan(0);
      expect((error as InputError).message).toContain(file);
      return;
    }
    const input = decodeInput(bytes, file);
    await expectFaithful(file, input, hardenText(file, input, options), options);
  });
});
