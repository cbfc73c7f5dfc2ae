/**
 * How the CLI words an internal error (a kharden bug, exit 3): one "internal error:" prefix and
 * one "nothing was written", whatever part of kharden failed. The writer is made to fail in
 * process (its splice step damaged, or given a splice outside the document) and main() is run on
 * a real file.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

const fault = vi.hoisted(() => ({ mode: undefined as undefined | 'damage' | 'outside' }));

vi.mock('../../src/yaml/write.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/yaml/write.js')>();
  return {
    ...real,
    applySplices: (...args: Parameters<typeof real.applySplices>) => {
      const [text, splices, offset = 0, where] = args;
      if (fault.mode === 'outside') return real.applySplices(text, [...splices, { start: offset + text.length + 1, end: offset + text.length + 1, text: 'x' }], offset, where);
      const out = real.applySplices(...args);
      return fault.mode === 'damage' ? out.replace('RuntimeDefault', 'Unconfined') : out;
    },
  };
});

const POD = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: app\n      image: nginx:1.27\n`;

let dir: string;
let stderr: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kharden-internal-'));
  fs.writeFileSync(path.join(dir, 'pod.yaml'), POD);
  stderr = '';
  vi.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((stderr += String(s)), true));
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.restoreAllMocks();
  fault.mode = undefined;
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('internal errors on the command line', () => {
  test.each([
    ['damage', /^kharden: internal error: the edited text of .*pod\.yaml document 0 does not read back as the edited value \(please report this with the input\); nothing was written\n$/],
    ['outside', /^kharden: internal error: the writer placed an edit at offsets \d+–\d+, outside the text of .*pod\.yaml document 0 \(offsets 0–\d+\); nothing was written\n$/],
  ] as const)('writer fault "%s": exit 3, one prefix, one "nothing was written", file left alone', async (mode, message) => {
    fault.mode = mode;
    const code = await main(['--in-place', '-q', path.join(dir, 'pod.yaml')]);
    expect(code).toBe(3);
    expect(stderr).toMatch(message);
    expect(stderr.match(/internal error/g)).toHaveLength(1);
    expect(stderr.match(/nothing was written/g)).toHaveLength(1);
    expect(fs.readFileSync(path.join(dir, 'pod.yaml'), 'utf8')).toBe(POD);
  });
});
