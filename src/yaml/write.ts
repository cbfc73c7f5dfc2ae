/**
 * Turns the net change between a document's value before and after the transforms into text
 * splices on the original source, so that everything not edited keeps its exact bytes.
 *
 * The yaml package prints a whole document differently from its source (re-indented sequences,
 * re-spaced comments, re-quoted strings), so we never print a document: we compute where each
 * changed value lives (node ranges from the parser) and write only the new pieces, in the style
 * of their surroundings (indentation step, compact or indented sequences, flow or block,
 * JSON-style quoting, LF or CRLF).
 */
import { isAlias, isMap, isScalar, isSeq, Scalar, stringify } from 'yaml';
import type { Document, Node, Pair, YAMLMap, YAMLSeq } from 'yaml';
import { deepEqual, cloneJson } from '../lib/json.js';

export interface Splice {
  start: number;
  end: number;
  text: string;
  /** Order of creation: deeper values are diffed first, and at one offset their text must come first. */
  seq?: number;
}

export interface DocStyle {
  /** Indentation added per nesting level of maps. */
  step: number;
  /** Column of a sequence's `-` relative to its parent key: 0 (compact) or `step`-like. */
  seqIndent: number;
  eol: string;
}

/** Notes about edits that needed something unusual (an alias expanded), for the report. */
export interface WriteNote {
  path: string;
  message: string;
}

type Place =
  | { kind: 'pairValue'; map: YAMLMap; pair: Pair; path: string }
  | { kind: 'seqItem'; seq: YAMLSeq; index: number; path: string }
  | { kind: 'root'; path: '' };

export class UnsupportedEditError extends Error {}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Computes the splices (absolute offsets into `src`) that turn document `doc` (parsed from `src`)
 * from `before` into `after`.
 */
export function diffToSplices(src: string, doc: Document, before: unknown, after: unknown, style: DocStyle): { splices: Splice[]; notes: WriteNote[] } {
  const w = new Writer(src, style);
  w.diffValue(doc.contents as Node | null, before, after, { kind: 'root', path: '' });
  return { splices: w.all, notes: w.notes };
}

/**
 * The writer computed a splice it must not apply: outside the text it was given (another
 * document's slice, or beyond the stream) or overlapping another splice. A bug, never bad input.
 */
export class SpliceOutOfPlaceError extends Error {}

/**
 * Applies non-overlapping splices to `text`, the slice of the stream that starts at `offset`
 * (splice offsets are stream offsets; any order given; `where` names the slice in errors), in one
 * pass: linear in the text and the splices. Every splice must lie inside the slice: one outside it
 * would land in a neighbouring document or be glued to the slice's last line. Throws
 * SpliceOutOfPlaceError otherwise.
 */
export function applySplices(text: string, splices: Splice[], offset = 0, where = 'the document'): string {
  // At one offset, insertions before a replacement, and earlier-created (inner) insertions before
  // later (outer) ones, so the inner text ends up first.
  const sorted = [...splices].sort((a, b) => a.start - b.start || a.end - b.end || (a.seq ?? 0) - (b.seq ?? 0));
  const end = offset + text.length;
  const parts: string[] = [];
  let cursor = 0;
  for (const s of sorted) {
    if (!Number.isInteger(s.start) || !Number.isInteger(s.end) || s.start < offset || s.end > end || s.start > s.end) {
      throw new SpliceOutOfPlaceError(`the writer placed an edit at offsets ${s.start}–${s.end}, outside the text of ${where} (offsets ${offset}–${end})`);
    }
    const start = s.start - offset;
    if (start < cursor) throw new SpliceOutOfPlaceError(`the writer placed overlapping edits in ${where}: offsets ${s.start}–${s.end} and another up to ${cursor + offset}`);
    if (start > cursor) parts.push(text.slice(cursor, start));
    parts.push(s.text);
    cursor = s.end - offset;
  }
  parts.push(text.slice(cursor));
  return parts.join('');
}

/** Reads a document's indentation step, sequence style and line ending from its source. */
export function detectStyle(src: string, doc: Document, eol: string): DocStyle {
  let step: number | undefined;
  let seqIndent: number | undefined;
  const visit = (node: unknown, depth: number): void => {
    if (depth > 40 || (step !== undefined && seqIndent !== undefined)) return;
    if (isMap(node) && !node.flow) {
      for (const pair of node.items) {
        const key = pair.key as Node | null;
        const value = pair.value as Node | null;
        if (!key?.range || !value) continue;
        const keyCol = column(src, key.range[0]);
        if (isMap(value) && !value.flow && value.items.length && step === undefined) {
          const k = value.items[0].key as Node | null;
          if (k?.range && onLaterLine(src, key.range[0], k.range[0])) step = column(src, k.range[0]) - keyCol;
        }
        if (isSeq(value) && !value.flow && value.items.length && seqIndent === undefined) {
          const dash = dashBefore(src, value.items[0] as Node);
          if (dash >= 0 && onLaterLine(src, key.range[0], dash)) seqIndent = column(src, dash) - keyCol;
        }
        visit(value, depth + 1);
      }
    } else if (isSeq(node) && !node.flow) {
      for (const item of node.items) visit(item, depth + 1);
    }
  };
  visit(doc.contents, 0);
  const s = step && step > 0 ? step : 2;
  return { step: s, seqIndent: seqIndent !== undefined && seqIndent >= 0 ? seqIndent : s, eol };
}

function onLaterLine(src: string, a: number, b: number): boolean {
  return src.slice(a, b).includes('\n');
}

function lineStart(src: string, pos: number): number {
  return src.lastIndexOf('\n', pos - 1) + 1;
}

function column(src: string, pos: number): number {
  return pos - lineStart(src, pos);
}

/** Position of the `-` that introduces a block sequence item, or -1. */
function dashBefore(src: string, item: Node | null): number {
  if (!item?.range) return -1;
  let i = item.range[0] - 1;
  // Props (anchors, tags) and comments may sit between the dash and the value.
  while (i >= 0) {
    const c = src[i];
    if (c === '-' && (i === 0 || /\s/.test(src[i - 1])) && /\s/.test(src[i + 1] ?? ' ')) return i;
    if (c === '\n' && src.slice(lineStart(src, i), i).trim().startsWith('-')) {
      i = i - 1;
      continue;
    }
    i--;
    if (item.range[0] - i > 4096) break;
  }
  return -1;
}

class Writer {
  private list: Splice[] = [];
  splices = {
    push: (s: Splice) => this.list.push({ ...s, seq: this.list.length }),
  } as unknown as Splice[];
  get all(): Splice[] {
    return this.list;
  }
  notes: WriteNote[] = [];
  constructor(
    private src: string,
    private style: DocStyle,
  ) {}

  diffValue(node: Node | null, before: unknown, after: unknown, place: Place): void {
    if (deepEqual(before, after)) return;
    if (isAlias(node)) {
      this.notes.push({ path: place.path, message: `alias *${node.source} expanded into a copy so the edit does not change the anchor's other users` });
      this.replaceWhole(place, after);
      return;
    }
    if (isMap(node) && isObj(before) && isObj(after)) {
      if (node.flow && Object.keys(before).length === 0 && place.kind !== 'root' && !this.inFlow(place)) {
        // `securityContext: {}` reads better as a block map once it has content.
        this.replaceWhole(place, after);
        return;
      }
      this.diffMap(node, before, after, place);
      return;
    }
    if (isSeq(node) && Array.isArray(before) && Array.isArray(after)) {
      this.diffSeq(node, before, after, place);
      return;
    }
    this.replaceWhole(place, after);
  }

  private inFlow(place: Place): boolean {
    if (place.kind === 'pairValue') return !!place.map.flow;
    if (place.kind === 'seqItem') return !!place.seq.flow;
    return false;
  }

  private diffMap(map: YAMLMap, before: Obj, after: Obj, place: Place): void {
    const afterKeys = Object.keys(after);
    if (afterKeys.length === 0) {
      this.replaceWhole(place, {});
      return;
    }
    const seen = new Set<string>();
    const removed: Pair[] = [];
    for (const pair of map.items) {
      const key = keyString(pair);
      if (key === undefined) continue;
      seen.add(key);
      const childPath = `${place.path}/${escapeSeg(key)}`;
      if (!Object.prototype.hasOwnProperty.call(after, key)) removed.push(pair);
      else this.diffValue(pair.value as Node | null, before[key], after[key], { kind: 'pairValue', map, pair, path: childPath });
    }
    if (removed.length === map.items.length && map.flow && map.items.length > 0) {
      // Keep the braces (and the line they open); rewrite what is between them.
      const first = (map.items[0].key as Node).range![0];
      const end = this.pairEnd(map.items[map.items.length - 1]);
      const json = isJsonStyle(map);
      const multiline = this.src.slice(map.range![0], first).includes('\n');
      const sep = multiline ? ',' + this.style.eol + ' '.repeat(column(this.src, first)) : ', ';
      this.splices.push({ start: first, end, text: Object.entries(after).map(([k, v]) => `${renderKey(k, json)}: ${renderFlow(v, json)}`).join(sep) });
      return;
    }
    if (removed.length === map.items.length && place.kind !== 'root') {
      // Nothing of the old map stays: write the new one whole rather than splicing around debris.
      this.replaceWhole(place, after);
      return;
    }
    if (map.flow) {
      const spans = map.items.map((p) => ({ start: (p.key as Node).range![0], end: this.pairEnd(p) }));
      this.removeFlowRuns(spans, new Set(removed.map((p) => map.items.indexOf(p))));
    } else for (const pair of removed) this.removePair(map, pair, place);
    const added = afterKeys.filter((k) => !seen.has(k)).map((k) => [k, after[k]] as [string, unknown]);
    if (added.length) this.insertPairs(map, added, removed);
  }

  private diffSeq(seq: YAMLSeq, before: unknown[], after: unknown[], place: Place): void {
    if (after.length === 0) {
      this.replaceWhole(place, []);
      return;
    }
    if (before.length === after.length) {
      before.forEach((b, i) =>
        this.diffValue(seq.items[i] as Node | null, b, after[i], { kind: 'seqItem', seq, index: i, path: `${place.path}/${i}` }),
      );
      return;
    }
    if (after.length > before.length && before.every((b, i) => deepEqual(b, after[i]) || (isObj(b) && isObj(after[i])))) {
      // Items kept in place (maps edited where they stand: a volume mount that gains readOnly
      // while the list gains a mount) are diffed there, so their comments and style survive.
      before.forEach((b, i) => this.diffValue(seq.items[i] as Node | null, b, after[i], { kind: 'seqItem', seq, index: i, path: `${place.path}/${i}` }));
      this.appendItems(seq, after.slice(before.length), place);
      return;
    }
    if (after.length < before.length) {
      const kept: number[] = [];
      let j = 0;
      for (let i = 0; i < before.length && j < after.length; i++) if (deepEqual(before[i], after[j])) (kept.push(i), j++);
      if (j === after.length) {
        const gone = new Set(before.map((_, i) => i).filter((i) => !kept.includes(i)));
        if (seq.flow) this.removeFlowRuns(seq.items.map((n) => ({ start: (n as Node).range![0], end: this.contentEnd(n as Node)! })), gone);
        else for (const i of gone) this.removeItem(seq, i);
        return;
      }
    }
    this.replaceWhole(place, after);
  }

  // ---- positions -------------------------------------------------------------------------

  /** End offset of the last source character that belongs to `node`'s content (not comments after it). */
  private contentEnd(node: Node | null | undefined): number | undefined {
    if (!node || !node.range) return undefined;
    if (isScalar(node)) {
      if (node.range[0] === node.range[1]) return undefined;
      return node.range[1];
    }
    if (isMap(node)) {
      if (node.flow || node.items.length === 0) return node.range[1];
      const last = node.items[node.items.length - 1];
      return this.contentEnd(last.value as Node | null) ?? (last.key as Node | null)?.range?.[1];
    }
    if (isSeq(node)) {
      if (node.flow || node.items.length === 0) return node.range[1];
      const last = node.items[node.items.length - 1] as Node | null;
      const end = this.contentEnd(last);
      if (end !== undefined) return end;
      const dash = dashBefore(this.src, last);
      return dash >= 0 ? dash + 1 : node.range[1];
    }
    return node.range[1];
  }

  /** Offset just after the line that holds `pos` (after its newline), or the text end. */
  private afterLine(pos: number): number {
    if (pos > 0 && this.src[pos - 1] === '\n') return pos;
    const nl = this.src.indexOf('\n', pos);
    return nl < 0 ? this.src.length : nl + 1;
  }

  /** Offset of the line break ending the line that holds `pos` (before \r\n or \n), or the text end. */
  private lineEnd(pos: number): number {
    if (pos > 0 && this.src[pos - 1] === '\n') pos -= 1;
    if (pos > 0 && this.src[pos - 1] === '\r') pos -= 1;
    if (this.src[pos] === '\n' || (this.src[pos] === '\r' && this.src[pos + 1] === '\n')) return pos;
    const nl = this.src.indexOf('\n', pos);
    if (nl < 0) return this.src.length;
    return this.src[nl - 1] === '\r' ? nl - 1 : nl;
  }

  private pairEnd(pair: Pair): number {
    return this.contentEnd(pair.value as Node | null) ?? this.colonAfterKey(pair) + 1;
  }

  private colonAfterKey(pair: Pair): number {
    const key = pair.key as Node;
    const i = this.src.indexOf(':', key.range![1]);
    if (i < 0) throw new UnsupportedEditError('cannot find ":" after a key');
    return i;
  }

  /** Text to insert at `pos`: if the text ends without a final newline, the new lines go after one. */
  private insertLinesAt(pos: number, lines: string): Splice {
    if (pos === this.src.length && pos > 0 && this.src[pos - 1] !== '\n') {
      return { start: pos, end: pos, text: this.style.eol + lines.slice(0, lines.length - this.style.eol.length) };
    }
    return { start: pos, end: pos, text: lines };
  }

  // ---- edits -----------------------------------------------------------------------------

  private insertPairs(map: YAMLMap, entries: [string, unknown][], removed: Pair[]): void {
    const items = map.items;
    if (map.flow) {
      const json = isJsonStyle(map);
      if (items.length === 0) {
        const r = map.range!;
        const obj = Object.fromEntries(entries);
        this.splices.push({ start: r[0], end: r[1], text: renderFlow(obj, json) });
        return;
      }
      const last = items[items.length - 1];
      // After the last value, or after the colon of an empty one (`{"limits": }`).
      const end = this.pairEnd(last);
      const multiline = this.src.slice(map.range![0], (last.key as Node).range![0]).includes('\n');
      let text = '';
      for (const [k, v] of entries) {
        if (multiline) {
          const col = column(this.src, (last.key as Node).range![0]);
          const pad = ' '.repeat(col);
          const rendered = json === true
            ? JSON.stringify(v, null, this.style.step).split('\n').join(this.style.eol + pad)
            : renderFlow(v, json);
          text += `,${this.style.eol}${pad}${renderKey(k, json)}: ${rendered}`;
        } else text += `, ${renderKey(k, json)}: ${renderFlow(v, json)}`;
      }
      this.splices.push({ start: end, end, text });
      return;
    }
    const firstKey = items[0].key as Node;
    const col = column(this.src, firstKey.range![0]);
    const last = items[items.length - 1];
    const pos = this.afterLine(this.pairEnd(last));
    void removed;
    this.splices.push(this.insertLinesAt(pos, this.renderPairsBlock(Object.fromEntries(entries), col)));
  }

  /**
   * Removes items of a flow collection in runs of neighbours, each run with the separator on one
   * side, so that regions never overlap each other or the items that stay.
   */
  private removeFlowRuns(spans: { start: number; end: number }[], gone: Set<number>): void {
    for (let i = 0; i < spans.length; i++) {
      if (!gone.has(i)) continue;
      let j = i;
      while (j + 1 < spans.length && gone.has(j + 1)) j++;
      if (j + 1 < spans.length) this.splices.push({ start: spans[i].start, end: spans[j + 1].start, text: '' });
      else if (i > 0) this.splices.push({ start: spans[i - 1].end, end: spans[j].end, text: '' });
      else this.splices.push({ start: spans[i].start, end: spans[j].end, text: '' });
      i = j;
    }
  }

  private removePair(map: YAMLMap, pair: Pair, place: Place): void {
    const key = pair.key as Node;
    const idx = map.items.indexOf(pair);
    const next = map.items[idx + 1];
    const ls = lineStart(this.src, key.range![0]);
    const prefix = this.src.slice(ls, key.range![0]);
    if (prefix.trim() !== '') {
      // First key of a compact sequence item (`- name: x`): the next key moves up beside the dash.
      if (!next) throw new UnsupportedEditError(`cannot remove the only key at ${place.path}`);
      this.splices.push({ start: key.range![0], end: (next.key as Node).range![0], text: '' });
      return;
    }
    const end = this.afterLine(this.pairEnd(pair));
    this.splices.push({ start: ls, end, text: keptComments(this.src.slice(ls, end), key.range![0] - ls, this.style.eol) });
  }

  private appendItems(seq: YAMLSeq, items: unknown[], place: Place): void {
    if (seq.flow) {
      const json = isJsonStyleSeq(seq);
      if (seq.items.length === 0) {
        const r = seq.range!;
        this.splices.push({ start: r[0], end: r[1], text: renderFlow(items, json) });
        return;
      }
      const end = this.contentEnd(seq.items[seq.items.length - 1] as Node)!;
      this.splices.push({ start: end, end, text: items.map((v) => ', ' + renderFlow(v, json)).join('') });
      return;
    }
    const dash = dashBefore(this.src, seq.items[0] as Node);
    if (dash < 0) throw new UnsupportedEditError(`cannot find the sequence at ${place.path}`);
    const col = column(this.src, dash);
    // An empty last item (`- ` or `-`) ends at its own dash, not at the first item's.
    const lastEnd = this.contentEnd(seq as Node) ?? dash + 1;
    this.splices.push(this.insertLinesAt(this.afterLine(lastEnd), this.renderItemsBlock(items, col)));
  }

  private removeItem(seq: YAMLSeq, index: number): void {
    const item = seq.items[index] as Node;
    const dash = dashBefore(this.src, item);
    const ls = lineStart(this.src, dash);
    if (dash < 0 || this.src.slice(ls, dash).trim() !== '') throw new UnsupportedEditError('cannot remove a nested sequence item');
    const end = this.afterLine(this.contentEnd(item) ?? dash + 1);
    this.splices.push({ start: ls, end, text: keptComments(this.src.slice(ls, end), dash - ls, this.style.eol) });
  }

  /** Replaces the value at `place` entirely with `value`. */
  private replaceWhole(place: Place, value: unknown): void {
    if (place.kind === 'root') throw new UnsupportedEditError('cannot replace a whole document');
    const node = (place.kind === 'pairValue' ? place.pair.value : place.seq.items[place.index]) as Node | null;
    const inFlow = this.inFlow(place);
    const scalarLike = !isObj(value) && !Array.isArray(value);
    const emptyColl = (isObj(value) && Object.keys(value).length === 0) || (Array.isArray(value) && value.length === 0);
    const json = place.kind === 'pairValue' ? isJsonStyle(place.map) : isJsonStyleSeq(place.seq);
    const oldIsInline = !!node?.range && node.range[0] !== node.range[1] && (isScalar(node) ? !isBlockScalar(node) : isAlias(node) || (node as YAMLMap).flow);

    const oldIsNonEmptyFlow = oldIsInline && !isAlias(node) && !isScalar(node) && ((node as YAMLMap).items?.length ?? 0) > 0;
    if (inFlow || ((scalarLike || emptyColl) && oldIsInline) || (oldIsNonEmptyFlow && !scalarLike)) {
      // Inline in, inline out: a flow value keeps its place and flow style.
      if (node?.range && node.range[0] !== node.range[1]) {
        this.splices.push({ start: node.range[0], end: node.range[1], text: isScalar(node) ? renderLike(node, value, json) : renderFlow(value, json) });
        return;
      }
    }
    if (place.kind === 'pairValue') {
      const colon = this.colonAfterKey(place.pair);
      const keyCol = column(this.src, (place.pair.key as Node).range![0]);
      const end = this.contentEnd(node);
      if (inFlow) {
        this.splices.push({ start: colon + 1, end: end ?? colon + 1, text: ' ' + renderFlow(value, json) });
        return;
      }
      // The comments the old value's lines carry stay: the one on the key's line after the new
      // value, the others as their own lines (`securityContext: {}  # x` keeps `# x`).
      const kept = end === undefined ? { inline: '', lines: '' } : this.commentsIn(colon + 1, this.lineEnd(end), keyCol + this.style.step);
      if (scalarLike || emptyColl) {
        if (end === undefined) this.splices.push({ start: colon + 1, end: colon + 1, text: ' ' + renderFlow(value, json) });
        else this.splices.push({ start: colon + 1, end: this.lineEnd(end), text: ' ' + renderFlow(value, json) + kept.inline + (kept.lines ? this.style.eol + stripEol(kept.lines, this.style.eol) : '') });
        return;
      }
      const block = this.renderValueBlock(value, keyCol);
      if (end === undefined) {
        // `key:` or `key: # comment` with no value: new lines go after the line.
        const le = this.lineEnd(colon + 1);
        this.splices.push({ start: le, end: le, text: this.style.eol + stripEol(block, this.style.eol) });
      } else this.splices.push({ start: colon + 1, end: this.lineEnd(end), text: kept.inline + this.style.eol + kept.lines + stripEol(block, this.style.eol) });
      return;
    }
    // Block sequence item.
    const dash = dashBefore(this.src, node);
    if (dash < 0) throw new UnsupportedEditError(`cannot find the item at ${place.path}`);
    const end = this.contentEnd(node) ?? dash + 1;
    const col = column(this.src, dash);
    const kept = this.commentsIn(dash, this.lineEnd(end), col + 2);
    const rendered = stripEol(this.renderItemsBlock([value], col).slice(col), this.style.eol);
    const firstEol = rendered.indexOf(this.style.eol);
    const withComment = !kept.inline ? rendered : firstEol < 0 ? rendered + kept.inline : rendered.slice(0, firstEol) + kept.inline + rendered.slice(firstEol);
    this.splices.push({ start: dash, end: this.lineEnd(end), text: withComment + (kept.lines ? this.style.eol + stripEol(kept.lines, this.style.eol) : '') });
  }

  /**
   * The comments in src[from, to), which a replacement removes: the one ending the first line,
   * with the spaces before it (`inline`), and those on later lines, as whole lines at `col`.
   */
  private commentsIn(from: number, to: number, col: number): { inline: string; lines: string } {
    const region = this.src.slice(from, to);
    const nl = region.indexOf('\n');
    const first = nl < 0 ? region : region.slice(0, nl);
    return { inline: trailingComment(first), lines: nl < 0 ? '' : keptComments(region.slice(nl + 1), col, this.style.eol) };
  }

  // ---- rendering -------------------------------------------------------------------------

  private renderPairsBlock(obj: Obj, col: number): string {
    const pad = ' '.repeat(col);
    let out = '';
    for (const [k, v] of Object.entries(obj)) {
      const key = renderKey(k, false);
      if (isObj(v) && Object.keys(v).length) out += `${pad}${key}:${this.style.eol}${this.renderPairsBlock(v, col + this.style.step)}`;
      else if (Array.isArray(v) && v.length) out += `${pad}${key}:${this.style.eol}${this.renderItemsBlock(v, col + this.style.seqIndent)}`;
      else out += `${pad}${key}: ${renderFlow(v, false)}${this.style.eol}`;
    }
    return out;
  }

  private renderItemsBlock(items: unknown[], col: number): string {
    const pad = ' '.repeat(col);
    let out = '';
    for (const v of items) {
      if (isObj(v) && Object.keys(v).length) {
        const inner = this.renderPairsBlock(v, col + 2);
        out += pad + '- ' + inner.slice(col + 2);
      } else if (Array.isArray(v) && v.length) out += `${pad}- ${renderFlow(v, false)}${this.style.eol}`;
      else out += `${pad}- ${renderFlow(v, false)}${this.style.eol}`;
    }
    return out;
  }

  private renderValueBlock(value: unknown, keyCol: number): string {
    if (isObj(value)) return this.renderPairsBlock(value, keyCol + this.style.step);
    return this.renderItemsBlock(value as unknown[], keyCol + this.style.seqIndent);
  }
}

function stripEol(s: string, eol: string): string {
  return s.endsWith(eol) ? s.slice(0, -eol.length) : s;
}

function isBlockScalar(node: Scalar): boolean {
  return node.type === Scalar.BLOCK_LITERAL || node.type === Scalar.BLOCK_FOLDED;
}

/** Comment lines inside a removed region survive as their own lines (nothing the user wrote is eaten). */
function keptComments(region: string, col: number, eol: string): string {
  const kept: string[] = [];
  for (const line of region.split('\n')) {
    const m = /(^|\s)(#.*?)\r?$/.exec(line);
    if (!m) continue;
    const before = line.slice(0, m.index + m[1].length);
    // Skip a "#" that sits inside quotes.
    if ((before.split('"').length - 1) % 2 === 1 || (before.split("'").length - 1) % 2 === 1) continue;
    const indent = before.trim() === '' ? before : ' '.repeat(col);
    kept.push(indent + m[2] + eol);
  }
  return kept.join('');
}

/** The comment ending a line, with the spaces before it; '' when there is none (a `#` in quotes is not one). */
function trailingComment(line: string): string {
  const m = /(\s+)(#.*?)\r?$/.exec(line);
  if (!m) return '';
  const before = line.slice(0, m.index);
  if ((before.split('"').length - 1) % 2 === 1 || (before.split("'").length - 1) % 2 === 1) return '';
  return m[1] + m[2];
}

function keyString(pair: Pair): string | undefined {
  const key = pair.key as unknown;
  if (isScalar(key)) return key.value === null ? '' : String(key.value);
  if (key === null || key === undefined) return '';
  return undefined;
}

function escapeSeg(s: string): string {
  return s.replace(/~/g, '~0').replace(/\//g, '~1');
}

/**
 * How new text in a flow collection is quoted, read from its neighbours: `true` for JSON (keys
 * and strings double-quoted), 'strings' when only string values are double-quoted (the
 * kubernetes.io examples' `{name: "x"}` style), false for plain.
 */
type Quote = boolean | 'strings';

/** A double-quoted string that would read the same unquoted: quoting there is a style choice. */
function quotedString(n: unknown): boolean {
  return isScalar(n) && typeof n.value === 'string' && n.type === Scalar.QUOTE_DOUBLE && renderScalar(n.value, false) === n.value;
}

function isJsonStyle(map: YAMLMap): Quote {
  if (!map.flow) return false;
  if (quotedString(map.items[0]?.key)) return true;
  return map.items.some((p) => quotedString(p.value)) ? 'strings' : false;
}

function isJsonStyleSeq(seq: YAMLSeq): Quote {
  if (!seq.flow) return false;
  for (const item of seq.items) {
    if (quotedString(item)) return 'strings';
    if (isMap(item) && item.flow) {
      const q = isJsonStyle(item);
      if (q) return q;
    }
  }
  return false;
}

const PLAIN_SAFE = /^[A-Za-z0-9_./][A-Za-z0-9_./:@+-]*( [A-Za-z0-9_./:@+-]+)*$/;

/** A scalar in flow context: plain when YAML 1.1 reads it back as the same string, else JSON quoting. */
const SIMPLE_WORD = /^[A-Za-z_][A-Za-z0-9_./-]*$/;
const YAML11_RESERVED = /^(y|n|yes|no|on|off|true|false|null)$/i;

/** Whether a string prints plain in YAML 1.1 (the library's own answer), by value. */
const plainReadsBack = new Map<string, boolean>();

export function renderScalar(v: unknown, json: Quote): string {
  if (typeof v === 'string') {
    if (!json && SIMPLE_WORD.test(v) && !YAML11_RESERVED.test(v)) return v;
    if (json || !PLAIN_SAFE.test(v) || /:( |$)/.test(v) || v.endsWith(':')) return JSON.stringify(v);
    let plain = plainReadsBack.get(v);
    if (plain === undefined) {
      // Asking the library is the one sure test, and it is costly: the same few values recur.
      plain = stringify(v, { version: '1.1' }).trimEnd() === v;
      if (plainReadsBack.size >= 4096) plainReadsBack.clear();
      plainReadsBack.set(v, plain);
    }
    return plain ? v : JSON.stringify(v);
  }
  if (v === null || v === undefined) return 'null';
  // JSON has no words for these (JSON.stringify says null); YAML does.
  if (typeof v === 'number' && !Number.isFinite(v)) return Number.isNaN(v) ? '.nan' : v > 0 ? '.inf' : '-.inf';
  return JSON.stringify(v);
}

/** A replacement scalar keeps the quoting style of the one it replaces. */
function renderLike(old: Scalar, v: unknown, json: Quote): string {
  if (typeof v === 'string' && !/[\n\r]/.test(v)) {
    if (old.type === Scalar.QUOTE_DOUBLE) return JSON.stringify(v);
    if (old.type === Scalar.QUOTE_SINGLE) return `'${v.replace(/'/g, "''")}'`;
  }
  return renderScalar(v, json);
}

function renderKey(k: string, json: Quote): string {
  return renderScalar(k, json === true);
}

/** Any value in flow style: `{a: 1, b: [x]}` (JSON when the surroundings are JSON). */
export function renderFlow(v: unknown, json: Quote): string {
  if (Array.isArray(v)) return '[' + v.map((x) => renderFlow(x, json)).join(', ') + ']';
  if (isObj(v)) {
    const inner = Object.entries(v).map(([k, x]) => `${renderKey(k, json)}: ${renderFlow(x, json)}`);
    return inner.length ? '{' + inner.join(', ') + '}' : '{}';
  }
  return renderScalar(v, json);
}

export { cloneJson };
