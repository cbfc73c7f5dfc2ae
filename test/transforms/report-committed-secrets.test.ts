import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import transform from '../../transforms/report-committed-secrets.js';
import mountSecretsReadOnly from '../../transforms/mount-secrets-read-only.js';
import type { Transform } from '../../src/core/types.js';
import { REPO_ROOT, chainOf, harden, runFixtureDir } from '../helpers/harness.js';

/**
 * report-committed-secrets never edits, so its own cases are `unchanged`; a case's options.yaml
 * may name transforms to run first (`precededBy`), as a profile does.
 */
const BEFORE: Record<string, Transform<any>> = { 'mount-secrets-read-only': mountSecretsReadOnly };
const DIR = path.join(REPO_ROOT, 'test/transforms', transform.id);
runFixtureDir(DIR, ({ precededBy = [], ...options }) => [...(precededBy as string[]).flatMap((id) => chainOf(BEFORE[id])), ...chainOf(transform, options)], transform.id);

describe('the finding', () => {
  test('names the Secret and counts its values, at info level, pointing at data', () => {
    const r = harden(fs.readFileSync(path.join(DIR, 'secret-list/input.yaml'), 'utf8'), chainOf(transform));
    expect(r.findings.map((f) => [f.severity, f.path, f.message])).toEqual([['info', '/items/0/data', 'Secret shop/api holds 1 value in data, readable by anyone who can read these manifests']]);
  });

  test('counts data and stringData apart', () => {
    const r = harden('apiVersion: v1\nkind: Secret\nmetadata: {name: s}\ndata: {a: YQ==, b: Yg==}\nstringData: {c: see}\n', chainOf(transform));
    expect(r.findings.map((f) => f.message)).toEqual(['Secret s holds 2 values in data and 1 value in stringData, readable by anyone who can read these manifests']);
  });

  test('never prints a value, a decoded value or a key name', () => {
    for (const c of ['kube-prometheus-alertmanager', 'iscsi-chap-data', 'secret-list', 'with-secret-mounts']) {
      const text = fs.readFileSync(path.join(DIR, c, 'input.yaml'), 'utf8');
      const r = harden(text, chainOf(transform));
      expect(r.findings.length, c).toBeGreaterThan(0);
      const secrets = YAML.parseAllDocuments(text, { version: '1.1' })
        .map((d) => d.toJS())
        .flatMap((v) => (v?.kind === 'List' ? v.items : [v]))
        .filter((v) => v?.kind === 'Secret');
      const pairs = secrets.flatMap((v) => [
        ...Object.entries(v.data ?? {}).flatMap(([k, x]) => [[k, String(x)], [k, Buffer.from(String(x), 'base64').toString('utf8')]]),
        ...Object.entries(v.stringData ?? {}).map(([k, x]) => [k, String(x)]),
      ]);
      expect(pairs.length, c).toBeGreaterThan(0);
      for (const f of r.findings) {
        for (const [key, value] of pairs) {
          if (value) expect(f.message).not.toContain(value.trim());
          expect(f.message).not.toContain(key);
        }
      }
    }
  });
});
