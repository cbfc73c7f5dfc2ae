/**
 * Damaged real manifests: files from ../shared/corpus (real and peers) cut, spliced with YAML
 * punctuation, re-indented, in random places. Whatever comes in, kharden either refuses it with
 * an InputError (exit 2) or hardens it; never another exception, never a Node warning on stderr
 * (the library's warnings are not kharden's messages), and what it hardens is a fixed point.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import fc from 'fast-check';
import { hardenText } from '../src/core/engine.js';
import type { HardenOptions } from '../src/core/engine.js';
import { InputError } from '../src/core/errors.js';
import { resolveProfile } from '../src/profiles/resolve.js';
import { loadProfileFile } from '../src/io/profiles.js';
import { parseStream } from '../src/yaml/stream.js';
import { listManifests, SHARED } from './helpers/harness.js';

const roots = [path.join(SHARED, 'corpus/real'), path.join(SHARED, 'corpus/peers')].filter((r) => fs.existsSync(r));
const files = roots.flatMap((r) => listManifests(r)).filter((f) => fs.statSync(f).size < 100_000);

const PIECES = ['\n', ' ', '  ', '- ', ': ', '{', '}', '[', ']', '"', "'", '#', '&a ', '*a', '---\n', '...\n', '|\n', '>-\n', '\t', ',', '? ', '!!str ', '<<: *a\n', 'null', '~', '0x1', '.nan', '\r\n', '{{ .Values.x }}'];

type Mutation = { kind: 'cut' | 'insert' | 'delete' | 'indent'; at: number; n: number };
const mutation: fc.Arbitrary<Mutation> = fc.record({
  kind: fc.constantFrom('cut', 'insert', 'insert', 'delete', 'indent'),
  at: fc.double({ min: 0, max: 1, noNaN: true }),
  n: fc.nat({ max: 30 }),
}) as fc.Arbitrary<Mutation>;

function mutate(text: string, m: Mutation): string {
  const at = Math.floor(m.at * text.length);
  if (m.kind === 'cut') return text.slice(0, at);
  if (m.kind === 'insert') return text.slice(0, at) + PIECES[m.n % PIECES.length] + text.slice(at);
  if (m.kind === 'delete') return text.slice(0, at) + text.slice(at + m.n);
  const ls = text.lastIndexOf('\n', at - 1) + 1;
  return text.slice(0, ls) + ' '.repeat(1 + (m.n % 3)) + text.slice(ls);
}

let options: HardenOptions;
beforeAll(async () => {
  const p = await resolveProfile('restricted', loadProfileFile);
  options = { chain: p.chain, podTemplateLocations: p.podTemplateLocations, freezeTargets: true };
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe.skipIf(files.length === 0)(files.length ? 'damaged real manifests' : `damaged real manifests: SKIPPED because ${SHARED}/corpus is absent`, () => {
  test('refused with an InputError or hardened to a fixed point; no other exception, no library warning', () => {
    const warnings = vi.spyOn(process, 'emitWarning');
    let refused = 0;
    let hardened = 0;
    fc.assert(
      fc.property(fc.nat({ max: files.length - 1 }), fc.array(mutation, { minLength: 1, maxLength: 3 }), (i, mutations) => {
        const text = mutations.reduce(mutate, fs.readFileSync(files[i], 'utf8'));
        let result;
        try {
          result = hardenText('damaged.yaml', text, options);
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          expect(e.position.file).toBe('damaged.yaml');
          refused++;
          return;
        }
        hardened++;
        expect(parseStream(result.output, 'out.yaml').documents.length).toBe(result.documents);
        expect(hardenText('damaged.yaml', result.output, options).output).toBe(result.output);
      }),
      { numRuns: 4000, seed: 20261201 },
    );
    expect(warnings).not.toHaveBeenCalled();
    // Both outcomes are exercised, not just one.
    expect(refused).toBeGreaterThan(100);
    expect(hardened).toBeGreaterThan(100);
  });
});
