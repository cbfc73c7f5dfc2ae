import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import transform from '../../transforms/mount-secrets-read-only.js';
import { REPO_ROOT, chainOf, harden, runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);

describe('Secret file modes', () => {
  const input = fs.readFileSync(path.join(REPO_ROOT, 'test/transforms/mount-secrets-read-only/file-modes/input.yaml'), 'utf8');
  const r = harden(input, chainOf(transform));
  const messages = r.findings.map((f) => [f.path, f.message]);

  test('YAML 1.1 octal 0644 and decimal 420 are the same mode, shown both ways', () => {
    expect(messages).toContainEqual(['/spec/volumes/0/secret/defaultMode', 'volume octal-0644 (Secret a): defaultMode 0644 (420) lets every user of the container read the Secret files']);
    expect(messages).toContainEqual(['/spec/volumes/1/secret/defaultMode', 'volume decimal-420 (Secret b): defaultMode 0644 (420) lets every user of the container read the Secret files']);
  });

  test('write bits are named, with read by others when it is there too', () => {
    expect(messages).toContainEqual(['/spec/volumes/2/secret/defaultMode', 'volume world-writable (Secret c): defaultMode 0666 (438) lets the group and every other user write the Secret files and every user read them']);
    expect(messages).toContainEqual(['/spec/volumes/4/secret/items/2/mode', 'volume items (Secret e): items[2] (ca.crt) mode 0620 (400) lets the group write the Secret files']);
  });

  test('0440, 0400 and ConfigMap modes are not reported', () => {
    expect(r.findings.map((f) => f.path)).not.toContain('/spec/volumes/3/secret/defaultMode');
    expect(r.findings.map((f) => f.path)).not.toContain('/spec/volumes/4/secret/items/0/mode');
    expect(r.findings.some((f) => f.path?.startsWith('/spec/volumes/6'))).toBe(false);
  });

  test('severities: readable by others is info, writable is a warning', () => {
    expect(new Set(r.findings.filter((f) => f.code === 'secretFileReadableByOthers').map((f) => f.severity))).toEqual(new Set(['info']));
    expect(new Set(r.findings.filter((f) => f.code === 'secretFileWritable').map((f) => f.severity))).toEqual(new Set(['warning']));
  });
});

describe('Secrets in environment variables', () => {
  test('the message names the variable and the Secret, and the path points at the reference', () => {
    const input = fs.readFileSync(path.join(REPO_ROOT, 'test/transforms/mount-secrets-read-only/env-from/input.yaml'), 'utf8');
    const r = harden(input, chainOf(transform));
    expect(r.findings.map((f) => [f.code, f.severity, f.path, f.message])).toEqual([
      ['secretEnvVar', 'info', '/spec/jobTemplate/spec/template/spec/containers/0/env/1/valueFrom/secretKeyRef', 'container report: environment variable API_TOKEN is read from Secret api; mount the Secret as a read-only volume instead'],
      ['secretEnvFrom', 'info', '/spec/jobTemplate/spec/template/spec/containers/0/envFrom/1/secretRef', 'container report: every key of Secret smtp becomes an environment variable (prefix SMTP_); mount the Secret as a read-only volume instead'],
    ]);
  });
});
