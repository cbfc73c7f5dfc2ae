/**
 * The `reads` declarations on real data: each project of ../shared/corpus/real is hardened as one
 * run with the restricted profile twice — as kharden runs (documents no link reads are not
 * composed) and with a link added that reads everything (every document composed) — and the two
 * runs must agree on every output byte, edit, finding, workload and generated resource. A kind a
 * transform reads but does not declare shows up here as a difference.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { hardenRun } from '../../src/core/engine.js';
import type { ChainLink, HardenOptions, RunInput } from '../../src/core/engine.js';
import { defineTransform } from '../../src/core/types.js';
import { hardenOptionsOf, resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { decodeInput } from '../../src/yaml/stream.js';
import { listManifests, SHARED } from '../helpers/harness.js';
import { INVALID } from '../helpers/corpus.js';

const ROOT = path.join(SHARED, 'corpus/real');
const projects = fs.existsSync(ROOT) ? fs.readdirSync(ROOT).filter((d) => fs.statSync(path.join(ROOT, d)).isDirectory()).sort() : [];

const readsAll: ChainLink = {
  id: 'reads-all',
  options: {},
  transform: defineTransform({ id: 'reads-all', summary: '', reason: '', docs: '', scope: 'stream', options: {}, messages: {}, run() {} }),
};

let skipping: HardenOptions;
let composing: HardenOptions;
beforeAll(async () => {
  skipping = hardenOptionsOf(await resolveProfile('restricted', loadProfileFile));
  composing = { ...skipping, chain: [...skipping.chain, readsAll] };
});

describe.skipIf(projects.length === 0)('not composing unread documents changes nothing', () => {
  test.each(projects)('%s', (project) => {
    const inputs: RunInput[] = listManifests(path.join(ROOT, project))
      .filter((f) => !INVALID[path.relative(ROOT, f)])
      .map((f) => ({ file: f, text: decodeInput(fs.readFileSync(f), f) }));
    const a = hardenRun(inputs, skipping);
    const b = hardenRun(inputs, composing);
    expect(a.files.map((f) => f.output)).toEqual(b.files.map((f) => f.output));
    expect(a.files.map((f) => [f.edits, f.workloads])).toEqual(b.files.map((f) => [f.edits, f.workloads]));
    expect(a.files.map((f) => f.findings)).toEqual(b.files.map((f) => f.findings));
    expect(a.generated).toEqual(b.generated);
    expect(a.findings).toEqual(b.findings.filter((f) => f.transform !== 'reads-all'));
  });
});
