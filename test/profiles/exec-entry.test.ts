/** `- exec:` entries in a profile: parsed and checked with the profile, placed in chain order, composed by id across extends. */
import { describe, expect, test } from 'vitest';
import { resolveProfile } from '../../src/profiles/resolve.js';
import type { ProfileLoader } from '../../src/profiles/resolve.js';
import { UsageError } from '../../src/lib/errors.js';
import { DEFAULT_EXEC_TIMEOUT_SECONDS } from '../../src/profiles/exec-entry.js';
import type { ExecSpec } from '../../src/profiles/exec-entry.js';
import type { Transform } from '../../src/core/types.js';

/** Records the specs it is given, standing in for src/exec/transform.ts (which runs programs). */
function recorder() {
  const specs: ExecSpec[] = [];
  const execTransform = (spec: ExecSpec): Transform => {
    specs.push(spec);
    return { id: spec.id, summary: 'exec', reason: 'exec', docs: 'https://kubernetes.io/', scope: 'stream', options: {}, messages: {}, run() {} };
  };
  return { specs, execTransform };
}

const files: Record<string, string> = {
  'team/base.yaml': `kind: Profile
transforms:
  - id: disallow-privileged
  - exec:
      command: ./plugins/add-label
      args: [--key, team, 7]
      env: {LABEL_VALUE: web, DEBUG: 1}
      timeoutSeconds: 20
      functionConfig: {apiVersion: v1, kind: ConfigMap, metadata: {name: c}, data: {x: "1"}}
  - id: disallow-privilege-escalation
  - id: scan
    exec: {command: policy-scan}
`,
  'team/child.yaml': `kind: Profile
extends: base.yaml
transforms:
  - id: scan
    enabled: false
`,
};
const load: ProfileLoader = (ref, from) => {
  const name = from ? `${from.slice(0, from.lastIndexOf('/') + 1)}${ref}` : ref;
  if (!(name in files)) throw new UsageError(`no profile ${name}`);
  return { name, text: files[name] };
};
const bad = (entry: string) => ({ 'bad.yaml': `kind: Profile\ntransforms:\n  - id: disallow-privileged\n${entry}` });

describe('exec entries', () => {
  test('are parsed with their options and placed in the chain where the profile lists them, relative to the profile', async () => {
    const r = recorder();
    const p = await resolveProfile('team/base.yaml', load, { execTransform: r.execTransform });
    expect(p.chain.map((l) => l.id)).toEqual(['disallow-privileged', 'exec:./plugins/add-label', 'disallow-privilege-escalation', 'scan']);
    expect(p.chain[1].transform.scope).toBe('stream');
    expect(r.specs).toEqual([
      {
          id: 'exec:./plugins/add-label',
          command: './plugins/add-label',
          args: ['--key', 'team', '7'],
          env: { LABEL_VALUE: 'web', DEBUG: '1' },
          timeoutSeconds: 20,
          functionConfig: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { x: '1' } },
        baseDir: 'team',
        source: 'profile team/base.yaml:4',
      },
      expect.objectContaining({ id: 'scan', command: 'policy-scan', args: [], env: {}, timeoutSeconds: DEFAULT_EXEC_TIMEOUT_SECONDS }),
    ]);
  });

  test('a profile that extends one can disable an exec entry by its id', async () => {
    const p = await resolveProfile('team/child.yaml', load, recorder());
    expect(p.chain.map((l) => l.id)).toEqual(['disallow-privileged', 'exec:./plugins/add-label', 'disallow-privilege-escalation']);
  });

  test('are refused, naming the profile line, where running programs is not allowed (a library caller that did not opt in)', async () => {
    await expect(resolveProfile('team/base.yaml', load)).rejects.toThrow('profile team/base.yaml:4: exec transform exec:./plugins/add-label: external programs run only from the kharden command line');
  });

  test.each([
    ['no command', '  - exec: {args: [a]}\n', /bad.yaml:4: exec.command must be a program name or path/],
    ['an unknown key in exec', '  - exec: {command: x, timeout: 3}\n', /unknown key "timeout" in exec \(command, args, env, timeoutSeconds, functionConfig\)/],
    ['an unknown key beside exec', '  - exec: {command: x}\n    options: {a: 1}\n', /unknown key "options" in an exec transform entry/],
    ['args that are not strings', '  - exec: {command: x, args: [{a: 1}]}\n', /exec.args must be a list of strings/],
    ['a timeout of 0', '  - exec: {command: x, timeoutSeconds: 0}\n', /exec.timeoutSeconds must be a number of seconds/],
    ['a functionConfig that is not an object', '  - exec: {command: x, functionConfig: {a: 1}}\n', /exec.functionConfig must be a Kubernetes object/],
  ])('%s is a profile error naming the line', async (_name, entry, message) => {
    const texts = bad(entry);
    const l: ProfileLoader = (ref) => ({ name: ref, text: texts[ref as keyof typeof texts] });
    await expect(resolveProfile('bad.yaml', l, recorder())).rejects.toThrow(message);
  });
});
