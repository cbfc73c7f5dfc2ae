/**
 * The read-back check is the net under the writer: whatever text the splices produce is parsed
 * again and must read as exactly the value the transforms meant. Here the writer is made to go
 * wrong on purpose (its splice step is wrapped to damage the text) and the run must stop with an
 * internal error naming file and document, instead of returning damaged YAML.
 */
import { afterEach, describe, expect, test, vi } from 'vitest';
import { InputError } from '../../src/lib/errors.js';
import seccomp from '../../transforms/set-seccomp-runtime-default.js';
import { chainOf, harden as hardenWith } from '../helpers/harness.js';

const damage = vi.hoisted(() => ({ with: undefined as undefined | ((text: string) => string) }));

vi.mock('../../src/yaml/write.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../src/yaml/write.js')>();
  return {
    ...real,
    applySplices: (...args: Parameters<typeof real.applySplices>) => {
      const text = real.applySplices(...args);
      return damage.with ? damage.with(text) : text;
    },
  };
});

afterEach(() => {
  damage.with = undefined;
});

const INPUT = `apiVersion: v1
kind: ConfigMap
metadata:
  name: untouched
data:
  a: "1"
---
apiVersion: v1
kind: Pod
metadata:
  name: web
  labels:
    app: web
spec:
  containers:
    - name: app
      image: nginx:1.27
`;

const harden = () => hardenWith(INPUT, chainOf(seccomp), 'in/pod.yaml');

describe('read-back check', () => {
  test('an undamaged write passes and carries the edit', () => {
    const out = harden().output;
    expect(out).toContain('seccompProfile:\n      type: RuntimeDefault');
    expect(out.startsWith(INPUT.slice(0, INPUT.indexOf('---')))).toBe(true);
  });

  test.each([
    ['a changed edited value', (t: string) => t.replace('RuntimeDefault', 'Unconfined')],
    ['a changed value the edits did not touch', (t: string) => t.replace('app: web', 'app: api')],
    ['a line moved to another parent by its indentation', (t: string) => t.replace('    app: web', '  app: web')],
    ['a duplicate key', (t: string) => t.replace('  name: web\n', '  name: web\n  name: web\n')],
    ['text that no longer parses', (t: string) => t.replace('spec:', 'spec: [')],
    ['a second document', (t: string) => t + '---\nextra: 1\n'],
    ['a lost document body', () => ''],
  ])('%s stops the run with an internal error', (_name, how) => {
    damage.with = how;
    let error: unknown;
    try {
      harden();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    // Not bad input: the input was fine, kharden's own write was not (the CLI exits 3).
    expect(error).not.toBeInstanceOf(InputError);
    expect((error as Error).message).toMatch(/^the edited text of in\/pod\.yaml document 1 does not read back as the edited value/);
  });
});
