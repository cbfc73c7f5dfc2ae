import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import transform from '../../transforms/remove-anonymous-subjects.js';
import { REPO_ROOT, chainOf, harden, runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);

const DIR = path.join(REPO_ROOT, 'test/transforms', transform.id);
const run = (name: string) => harden(fs.readFileSync(path.join(DIR, name, 'input.yaml'), 'utf8'), chainOf(transform));

describe('remove-anonymous-subjects', () => {
  test('removes each anonymous subject (last first, so the indices hold) and says which, as a warning', () => {
    const r = run('anonymous-removed');
    expect(r.edits.map((e) => [e.op, e.path])).toEqual([['remove', '/subjects/3'], ['remove', '/subjects/1']]);
    expect(r.findings.map((f) => [f.severity, f.path, f.message])).toEqual([
      ['warning', '/subjects', 'RoleBinding web/status-readers: removed Group system:unauthenticated and User system:anonymous from the subjects of its binding to Role status-reader'],
    ]);
  });

  test('a binding whose only subjects are anonymous loses them and is reported as an error, not deleted', () => {
    const r = run('only-anonymous');
    expect(r.edits.map((e) => [e.op, e.path])).toEqual([['remove', '/subjects']]);
    expect(r.output).toContain('kind: ClusterRoleBinding');
    expect(r.findings.map((f) => [f.severity, f.code])).toEqual([['error', 'bindingLeftWithoutSubjects']]);
  });

  test('the skip annotation keeps the subjects and says why', () => {
    const r = run('skip-annotation');
    expect(r.edits).toEqual([]);
    expect(r.findings.map((f) => [f.code, f.message])).toEqual([['skipped', 'remove-anonymous-subjects not run, because of the annotation kharden.dev/skip']]);
  });
});
