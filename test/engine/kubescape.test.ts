/**
 * kubescape's fix-handler fixtures (peers/kubescape) are byte-exact tests of format-preserving
 * edits. Each case's yq fix is written here as kharden edits (RFC 6902, per document) and run
 * through the real engine; the output must equal kubescape's expected file byte for byte, except
 * where kharden places text differently on purpose (DEVIATIONS, each with its reason).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Edit, EditContext, Transform } from '../../src/core/types.js';
import { harden, SHARED, commentLines } from '../helpers/harness.js';

const DIR = path.join(SHARED, 'corpus/peers/kubescape/core/pkg/fixhandler/testdata');
const present = fs.existsSync(DIR);
if (!present) console.warn(`skipping kubescape fixtures: ${DIR} is absent (../shared is not beside the project)`);

type DocEdits = Record<number, Omit<Edit, 'reason'>[]>;
const sc = (c: number) => `/spec/containers/${c}/securityContext`;

const CASES: { input: string; expected: string; edits: DocEdits; crlf?: boolean }[] = [
  { input: 'inserts/tc-01-00-input-mapping-insert-mapping.yaml', expected: 'inserts/tc-01-01-expected.yaml', edits: { 0: [{ op: 'add', path: sc(0), value: { allowPrivilegeEscalation: false } }] } },
  { input: 'inserts/tc-02-00-input-mapping-insert-mapping-with-list.yaml', expected: 'inserts/tc-02-01-expected.yaml', edits: { 0: [{ op: 'add', path: sc(0), value: { capabilities: { drop: ['NET_RAW'] } } }] } },
  { input: 'inserts/tc-03-00-input-list-append-scalar.yaml', expected: 'inserts/tc-03-01-expected.yaml', edits: { 0: [{ op: 'add', path: `${sc(0)}/capabilities/drop/-`, value: 'SYS_ADM' }] } },
  {
    input: 'inserts/tc-04-00-input-multiple-inserts.yaml',
    expected: 'inserts/tc-04-01-expected.yaml',
    edits: {
      0: [
        { op: 'add', path: '/spec/template/spec/securityContext', value: { allowPrivilegeEscalation: false } },
        { op: 'add', path: '/spec/template/spec/containers/0/securityContext', value: { capabilities: { drop: ['NET_RAW'] } } },
        { op: 'add', path: '/spec/template/spec/containers/0/securityContext/seccompProfile', value: { type: 'RuntimeDefault' } },
        { op: 'add', path: '/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation', value: false },
        { op: 'add', path: '/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem', value: true },
      ],
    },
  },
  { input: 'inserts/tc-05-00-input-comment-blank-line-single-insert.yaml', expected: 'inserts/tc-05-01-expected.yaml', edits: { 0: [{ op: 'add', path: sc(0), value: { allowPrivilegeEscalation: false } }] } },
  { input: 'inserts/tc-06-00-input-list-append-scalar-oneline.yaml', expected: 'inserts/tc-06-01-expected.yaml', edits: { 0: [{ op: 'add', path: `${sc(0)}/capabilities/drop/-`, value: 'SYS_ADM' }] } },
  {
    input: 'inserts/tc-07-00-input-multiple-documents.yaml',
    expected: 'inserts/tc-07-01-expected.yaml',
    edits: { 0: [{ op: 'add', path: sc(0), value: { allowPrivilegeEscalation: false } }], 1: [{ op: 'add', path: sc(0), value: { allowPrivilegeEscalation: false } }] },
  },
  { input: 'inserts/tc-08-00-input-mapping-insert-mapping-indented.yaml', expected: 'inserts/tc-08-01-expected.yaml', edits: { 0: [{ op: 'add', path: sc(0), value: { capabilities: { drop: ['NET_RAW'] } } }] } },
  { input: 'inserts/tc-09-00-input-list-insert-new-mapping-indented.yaml', expected: 'inserts/tc-09-01-expected.yaml', edits: { 0: [{ op: 'add', path: '/spec/containers/-', value: { name: 'redis', image: 'redis' } }] } },
  { input: 'inserts/tc-10-00-input-list-insert-new-mapping.yaml', expected: 'inserts/tc-10-01-expected.yaml', edits: { 0: [{ op: 'add', path: '/spec/containers/-', value: { name: 'redis', image: 'redis' } }] } },
  // Stored with LF; upstream checks it out with CRLF (its .gitattributes), so convert first (see the peer README).
  { input: 'inserts/tc-11-00-input-list-insert-new-mapping-crlf-newlines.yaml', expected: 'inserts/tc-11-01-expected.yaml', crlf: true, edits: { 0: [{ op: 'add', path: '/spec/containers/-', value: { name: 'redis', image: 'redis' } }] } },
  { input: 'inserts/tc-12-00-begin-with-document-separator.yaml', expected: 'inserts/tc-12-01-expected.yaml', edits: { 0: [{ op: 'add', path: sc(0), value: { allowPrivilegeEscalation: false } }] } },
  { input: 'removals/tc-01-00-input.yaml', expected: 'removals/tc-01-01-expected.yaml', edits: { 0: [{ op: 'remove', path: sc(0) }] } },
  { input: 'removals/tc-02-00-input.yaml', expected: 'removals/tc-02-01-expected.yaml', edits: { 0: [{ op: 'remove', path: '/spec/containers/1' }] } },
  { input: 'removals/tc-03-00-input.yaml', expected: 'removals/tc-03-01-expected.yaml', edits: { 0: [{ op: 'remove', path: `${sc(0)}/capabilities/drop/1` }] } },
  { input: 'removals/tc-04-00-input.yaml', expected: 'removals/tc-04-01-expected.yaml', edits: { 0: [{ op: 'remove', path: sc(0) }], 1: [{ op: 'remove', path: '/spec/containers/1' }] } },
  { input: 'replaces/tc-01-00-input.yaml', expected: 'replaces/tc-01-01-expected.yaml', edits: { 0: [{ op: 'replace', path: `${sc(0)}/runAsRoot`, value: false }] } },
  {
    input: 'replaces/tc-02-00-input.yaml',
    expected: 'replaces/tc-02-01-expected.yaml',
    edits: { 0: [{ op: 'replace', path: `${sc(0)}/capabilities/drop/0`, value: 'SYS_ADM' }, { op: 'replace', path: `${sc(0)}/capabilities/add/0`, value: 'NET_RAW' }] },
  },
  ...['tc-01-00-input.yaml', 'tc-02-00-input-indented-list.yaml', 'tc-03-00-input-comments.yaml', 'tc-04-00-input-separated-keys.yaml', 'tc-05-00-input-leading-doc-separator.yaml'].map((f, i) => ({
    input: `hybrids/${f}`,
    expected: `hybrids/tc-0${i + 1}-01-expected.yaml`,
    edits: { 0: [{ op: 'remove' as const, path: sc(0) }, { op: 'add' as const, path: '/spec/securityContext', value: { runAsRoot: false } }] },
  })),
];

/**
 * Where kharden deliberately writes something else than kubescape, and why. Each entry names
 * the expected file and the exact difference; the test fails if the case starts matching.
 */
const DEVIATIONS: Record<string, { why: string; from: string; to: string }> = {
  'inserts/tc-02-01-expected.yaml': {
    why: 'the document writes sequences compact (`- name` at the column of `containers:`); kharden inserts new sequences in the same compact style, kubescape always indents them',
    from: '        drop:\n          - NET_RAW',
    to: '        drop:\n        - NET_RAW',
  },
  'inserts/tc-04-01-expected.yaml': {
    why: 'compact sequences in this document, so the new `drop:` list is compact too (see tc-02)',
    from: '            drop:\n              - NET_RAW',
    to: '            drop:\n            - NET_RAW',
  },
};

/** A test-only transform that returns the given edits for the N-th Kubernetes document. */
function editsTransform(edits: DocEdits): Transform {
  let doc = 0;
  return {
    id: 'kubescape-case',
    summary: 'test',
    reason: 'test',
    docs: 'https://github.com/kubescape/kubescape',
    scope: 'resource',
    options: {},
    messages: {},
    run(_target, ctx) {
      for (const e of edits[doc++] ?? []) (ctx as EditContext).patch({ ...e, reason: 'kubescape case' });
    },
  };
}

describe.skipIf(!present)('kubescape fix-handler fixtures', () => {
  test.each(CASES.map((c) => [c.input, c] as const))('%s', (_, c) => {
    let input = fs.readFileSync(path.join(DIR, c.input), 'utf8');
    if (c.crlf) input = input.replace(/\r?\n/g, '\r\n');
    let expected = fs.readFileSync(path.join(DIR, c.expected), 'utf8');
    const dev = DEVIATIONS[c.expected];
    if (dev) {
      expect(expected, `deviation no longer applies to ${c.expected}`).toContain(dev.from);
      expected = expected.replace(dev.from, dev.to);
    }
    const transform = editsTransform(c.edits);
    const result = harden(input, [{ id: transform.id, transform, options: {} }]);
    expect(result.output).toBe(expected);
    // Comments survive all edits except where the edit removed the commented value itself.
    const out = new Set(commentLines(result.output));
    for (const line of commentLines(input)) expect(out.has(line), line).toBe(true);
  });
});
