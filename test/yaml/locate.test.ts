/**
 * Where a report points for a JSON Pointer: the line of the key the path names (not the first line
 * of its block value), a list item's first line, the nearest existing parent for a path not there
 * yet; and what an edit's `line` is, end to end through the engine.
 */
import { describe, expect, test } from 'vitest';
import { parseStream } from '../../src/yaml/stream.js';
import { keyOffsetOf, offsetOf } from '../../src/yaml/locate.js';
import { harden } from '../helpers/harness.js';
import { resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';

const TEXT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  template:
    spec:
      serviceAccountName: web
      containers:
        - name: app
          image: nginx
          securityContext:
            capabilities:
              add:
                - NET_ADMIN
        -   name: sidecar
            image: envoy
      volumes: &v
        - name: tmp
          emptyDir: {}
other: *v
`;

const stream = parseStream(TEXT, 't.yaml');
const doc = stream.documents[0].doc;
const lineOf = (pointer: string) => stream.lineCol(keyOffsetOf(doc, pointer)).line;

describe('keyOffsetOf', () => {
  test.each([
    ['', 1],
    ['/spec', 4],
    ['/spec/template/spec', 6],
    ['/spec/template/spec/containers', 8],
    ['/spec/template/spec/containers/0', 9],
    ['/spec/template/spec/containers/0/securityContext', 11],
    ['/spec/template/spec/containers/0/securityContext/capabilities/add', 13],
    ['/spec/template/spec/containers/0/securityContext/capabilities/add/0', 14],
    ['/spec/template/spec/containers/1', 15],
    ['/spec/template/spec/containers/1/image', 16],
    ['/metadata/labels/app', 3],
    // Not there yet: the nearest parent that is.
    ['/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation', 11],
    ['/spec/template/spec/containers/1/resources/limits/memory', 15],
    ['/spec/template/spec/securityContext/seccompProfile', 6],
    ['/spec/template/spec/containers/7', 8],
    // Through an alias: the line of the key in the anchored node.
    ['/other/0/emptyDir', 19],
  ])('%s → line %i', (pointer, line) => expect(lineOf(pointer)).toBe(line));

  test('offsetOf still points at a block value itself (type errors name the value)', () => {
    expect(stream.lineCol(offsetOf(doc, '/spec/template/spec')).line).toBe(7);
    expect(stream.lineCol(offsetOf(doc, '/spec/template/spec/containers/0/securityContext')).line).toBe(12);
  });
});

describe('report lines from the engine', () => {
  test('an edit under a block map names the key line; an add under a missing parent, the nearest key', async () => {
    const profile = await resolveProfile('restricted', loadProfileFile);
    const result = harden(TEXT.replace('other: *v\n', ''), profile.chain);
    const at = (p: string) => result.edits.find((e) => e.path === p)?.line;
    expect(at('/spec/template/spec/containers/0/securityContext/capabilities/add')).toBe(13);
    expect(at('/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation')).toBe(11);
    expect(at('/spec/template/spec/securityContext')).toBe(6);
    const lines = TEXT.split('\n');
    for (const e of result.edits) {
      const key = e.path.split('/').filter((s) => !/^\d+$/.test(s) && s !== '-');
      const text = lines[e.line - 1];
      expect(key.some((k) => text.includes(`${k}:`)) || /^\s*- /.test(text), `${e.path} → ${e.line}: ${text}`).toBe(true);
    }
  });
});
