/**
 * One real project hardened as one run, the way the corpus suites need it: its inputs without the
 * files kharden refuses (real.test.ts checks those are refused properly), and a run that drops
 * the refused files and goes on with the rest.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { hardenRun } from '../../src/core/engine.js';
import type { HardenOptions, RunInput, RunResult } from '../../src/core/engine.js';
import { InputError, InputErrors } from '../../src/lib/errors.js';
import { decodeInput } from '../../src/yaml/stream.js';
import { listManifests } from './harness.js';

export function projectInputs(root: string, project: string): RunInput[] {
  return listManifests(path.join(root, project)).flatMap((f) => {
    try {
      return [{ file: f, text: decodeInput(fs.readFileSync(f), f) }];
    } catch (e) {
      if (e instanceof InputError) return [];
      throw e;
    }
  });
}

export function runAccepting(inputs: RunInput[], options: HardenOptions): { inputs: RunInput[]; result: RunResult } {
  try {
    return { inputs, result: hardenRun(inputs, options) };
  } catch (e) {
    const refused = e instanceof InputErrors ? e.errors : e instanceof InputError ? [e] : undefined;
    if (!refused) throw e;
    const bad = new Set(refused.map((r) => r.position.file));
    const kept = inputs.filter((i) => !bad.has(i.file));
    return { inputs: kept, result: hardenRun(kept, options) };
  }
}
