/**
 * The fidelity promise, checked on one hardened file: output parses with the same number of
 * documents; every comment line survives; documents without edits are byte-identical; in edited
 * documents every removed input line lies inside a value an edit replaced or removed; a second run
 * is byte-identical with no edits. Shared by the corpus suites.
 */
import { expect } from 'vitest';
import { diffLines } from 'diff';
import { isMap, isSeq, isScalar, LineCounter, parseAllDocuments } from 'yaml';
import type { Node } from 'yaml';
import { hardenText } from '../../src/core/engine.js';
import type { FileResult, HardenOptions } from '../../src/core/engine.js';
import { parseStream } from '../../src/yaml/stream.js';
import { parsePointer } from '../../src/lib/pointer.js';
import { commentLines } from './harness.js';
import { turn, yieldEvery } from './yielding.js';

function nodeAt(doc: ReturnType<typeof parseAllDocuments>[number], pointer: string): Node | null {
  let node = doc.contents as Node | null;
  for (const seg of parsePointer(pointer)) {
    if (isMap(node)) node = (node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg)?.value ?? null) as Node | null;
    else if (isSeq(node)) node = (node.items[Number(seg)] ?? null) as Node | null;
    else return null;
  }
  return node;
}

/** 1-based [first, last] line of the node at pointer in a parsed document. */
function lineSpan(doc: ReturnType<typeof parseAllDocuments>[number], lc: LineCounter, pointer: string): [number, number] | undefined {
  let node = doc.contents as Node | null;
  let start: number | undefined;
  for (const seg of parsePointer(pointer)) {
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === seg);
      // A replaced or removed pair owns its key's line too.
      start = (pair?.key as Node | undefined)?.range?.[0];
      node = (pair?.value ?? null) as Node | null;
    } else if (isSeq(node)) {
      node = (node.items[Number(seg)] ?? null) as Node | null;
      start = node?.range?.[0];
    } else return undefined;
  }
  if (!node?.range) return undefined;
  return [lc.linePos(start ?? node.range[0]).line, lc.linePos(Math.max(node.range[0], node.range[1] - 1)).line];
}

export async function expectFaithful(file: string, input: string, result: FileResult, options: HardenOptions): Promise<void> {
  // A large file (2 MB, hundreds of documents) takes seconds to check: hand the event loop back
  // between the steps and between documents.
  const pause = yieldEvery();
  await turn();
  // Output parses, with the same number of documents.
  const inStream = parseStream(input, file);
  await turn();
  const outStream = parseStream(result.output, file);
  expect(outStream.documents.length).toBe(inStream.documents.length);
  // Comments survive.
  const outComments = new Set(commentLines(result.output));
  for (const c of commentLines(input)) expect(outComments.has(c), `comment lost: ${c}`).toBe(true);
  // Untouched documents are byte-identical; edited ones lose only lines of edited values.
  const editedDocs = new Set(result.edits.map((e) => e.document));
  for (const [i, d] of inStream.documents.entries()) {
    await pause();
    const before = input.slice(d.start, d.end);
    const after = result.output.slice(outStream.documents[i].start, outStream.documents[i].end);
    if (!editedDocs.has(i)) {
      expect(after, `document ${i} has no edits, so it must be byte-identical`).toBe(before);
      continue;
    }
    const lc = new LineCounter();
    const [doc] = parseAllDocuments(before, { version: '1.1', lineCounter: lc }) as any[];
    const allowed = new Set<number>();
    for (const e of result.edits.filter((x) => x.document === i)) {
      if (e.op !== 'add') {
        const span = lineSpan(doc, lc, e.path);
        if (span) for (let l = span[0]; l <= span[1]; l++) allowed.add(l);
        // Removing the last item of a flow collection takes the comma before it too.
        const parent = nodeAt(doc, e.path.slice(0, e.path.lastIndexOf('/')));
        if (e.op === 'remove' && (isMap(parent) || isSeq(parent)) && parent.flow) {
          const items = parent.items as any[];
          const at = isMap(parent) ? items.findIndex((p) => isScalar(p.key) && String(p.key.value) === e.path.slice(e.path.lastIndexOf('/') + 1)) : Number(e.path.slice(e.path.lastIndexOf('/') + 1));
          const prev = at > 0 ? items[at - 1] : undefined;
          const prevEnd = isMap(parent) ? prev?.value?.range?.[1] ?? prev?.key?.range?.[1] : prev?.range?.[1];
          if (prevEnd !== undefined) allowed.add(lc.linePos(prevEnd).line);
        }
        continue;
      }
      // Adding into a flow collection rewrites the line that closes it (`}],` gains an item,
      // `resources: {}` becomes a block map); nothing else may change.
      const parent = e.path.slice(0, e.path.lastIndexOf('/'));
      const node = nodeAt(doc, parent);
      if ((isMap(node) || isSeq(node)) && node.flow && node.range) {
        const last = node.items[node.items.length - 1] as any;
        const lastEnd = (isMap(node) ? last?.value?.range?.[1] ?? last?.key?.range?.[1] : last?.range?.[1]) ?? node.range[0];
        const from = node.items.length ? lc.linePos(lastEnd).line : lc.linePos(node.range[0]).line;
        for (let l = from; l <= lc.linePos(node.range[1]).line; l++) allowed.add(l);
      }
    }
    // A last line without a newline gains one when lines are inserted after it: the one
    // change to an untouched line that appending can require.
    const lastLine = before.endsWith('\n') ? -1 : before.split('\n').length;
    if (lastLine > 0) allowed.add(lastLine);
    let line = 1;
    const parts = diffLines(before, after);
    const addedLines = new Set(parts.filter((p) => p.added).flatMap((p) => p.value.split('\n')));
    for (const part of parts) {
      const n = part.count ?? part.value.split('\n').length - 1;
      if (part.removed) {
        for (let l = line; l < line + n; l++) {
          const text = before.split('\n')[l - 1];
          // In JSON, the item before an appended one must gain its comma.
          if (addedLines.has(text + ',')) continue;
          expect(allowed.has(l), `document ${i} line ${l} removed but no edit replaced or removed it: ${text}`).toBe(true);
        }
      }
      if (!part.added) line += n;
    }
  }
  await turn();
  // Idempotent.
  const again = hardenText(file, result.output, options);
  expect(again.output).toBe(result.output);
  expect(again.edits).toEqual([]);
}
