/**
 * The unified diff of one file (input → hardened output) that the HTML report shows.
 *
 * The `diff` package's Myers diff costs O(lines × changed lines): on a 46,000-line stream with
 * 6,000 edits that was a minute (bench/run.mjs, "reports"). kharden never moves text across
 * documents, so each document is diffed on its own and the pieces are joined; any split into
 * pieces that follow each other in both texts gives a correct diff (only its minimality depends on
 * the split), so a `---` inside a block scalar costs nothing but a slightly longer hunk.
 */
import { diffLines } from 'diff';

interface Line {
  op: ' ' | '-' | '+';
  text: string;
  /** False for a last line with no line break (`\ No newline at end of file`). */
  eol: boolean;
}

/** Splits before every line that starts a document (`---` at column 0); the first piece starts at 0. */
function documents(text: string): string[] {
  const starts = [0];
  for (const m of text.matchAll(/\n(?=---)/g)) starts.push(m.index + 1);
  return starts.map((s, i) => text.slice(s, starts[i + 1] ?? text.length)).filter((p, i) => p !== '' || i === 0);
}

function linesOf(value: string, op: Line['op']): Line[] {
  const parts = value.split('\n');
  const last = parts.pop()!;
  const out: Line[] = parts.map((text) => ({ op, text, eol: true }));
  if (last !== '') out.push({ op, text: last, eol: false });
  return out;
}

/** Input and output pieces, paired in order; when the counts differ the rest goes into the last pair. */
function pairs(input: string, output: string): [string, string][] {
  const a = documents(input);
  const b = documents(output);
  const n = Math.min(a.length, b.length);
  const out: [string, string][] = [];
  for (let i = 0; i < n - 1; i++) out.push([a[i], b[i]]);
  out.push([a.slice(n - 1).join(''), b.slice(n - 1).join('')]);
  return out;
}

export function unifiedDiff(file: string, input: string, output: string, context = 3): string {
  const lines: Line[] = [];
  for (const [a, b] of pairs(input, output)) {
    if (a === b) lines.push(...linesOf(a, ' '));
    else for (const part of diffLines(a, b)) lines.push(...linesOf(part.value, part.added ? '+' : part.removed ? '-' : ' '));
  }
  const header = `Index: ${file}\n${'='.repeat(67)}\n--- ${file}\tinput\n+++ ${file}\thardened\n`;
  // Old and new line numbers of each line (1-based), for the hunk headers.
  const oldNo: number[] = [];
  const newNo: number[] = [];
  let o = 1;
  let n = 1;
  for (const l of lines) {
    oldNo.push(o);
    newNo.push(n);
    if (l.op !== '+') o++;
    if (l.op !== '-') n++;
  }
  const changed = lines.flatMap((l, i) => (l.op === ' ' ? [] : [i]));
  const hunks: string[] = [];
  for (let k = 0; k < changed.length; ) {
    const from = Math.max(0, changed[k] - context);
    let last = changed[k];
    // Changes closer than two contexts apart share a hunk, as in `diff -u`.
    while (k + 1 < changed.length && changed[k + 1] - last <= 2 * context) last = changed[++k];
    k++;
    const to = Math.min(lines.length, last + context + 1);
    const body = lines.slice(from, to);
    const oldCount = body.filter((l) => l.op !== '+').length;
    const newCount = body.filter((l) => l.op !== '-').length;
    // An empty side is numbered from the line before it (`@@ -0,0 +1,3 @@` for a new file).
    const oldStart = oldCount ? oldNo[from] : oldNo[from] - 1;
    const newStart = newCount ? newNo[from] : newNo[from] - 1;
    const text = body.map((l) => `${l.op}${l.text}\n${l.eol ? '' : '\\ No newline at end of file\n'}`).join('');
    hunks.push(`@@ -${oldStart},${oldCount} +${newStart},${newCount} @@\n${text}`);
  }
  return header + hunks.join('');
}
