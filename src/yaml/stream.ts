/**
 * Reads a YAML stream into documents that remember their exact source slice, so untouched
 * documents are written back byte for byte and edited ones are spliced, never re-printed.
 */
import { Composer, CST, isAlias, isCollection, isMap, isScalar, isSeq, LineCounter, Parser } from 'yaml';
import type { Alias, Document, ParsedNode, Scalar } from 'yaml';
import { InputError } from '../lib/errors.js';
import { NOT_PLAIN, plainValueOf } from './plain.js';
import { childValueRange, skimDocument, splitRegions } from './skim.js';
import type { Skimmed } from './skim.js';

/** How every stream is read. Duplicate and non-scalar keys are checked separately, in linear time: documentValue. */
export const PARSE_OPTIONS = {
  // Kubernetes reads YAML 1.1 (0400 is octal, `yes` is true); reading it the same way keeps our view honest.
  version: '1.1',
  // The library's own check compares every key with every other (quadratic on huge maps).
  uniqueKeys: false,
  strict: true,
  prettyErrors: false,
  keepSourceTokens: false,
  // YAML 1.1 would turn `2024-01-01` into a Date; Kubernetes keeps it a string, and so do we.
  customTags: (tags: any[]) => tags.filter((t) => t.tag !== 'tag:yaml.org,2002:timestamp'),
} as const;

/** Hard bounds so an alias bomb or a huge single document fails clearly instead of exhausting memory. */
export const MAX_ALIAS_COUNT = 100;
export const MAX_DOCUMENT_BYTES = 64 * 1024 * 1024;

export interface SourceDocument {
  index: number;
  /**
   * Slice of the stream text this document owns: [start, end). Slices partition the text and own
   * whole lines: every slice but the last ends just after a line break, so text the writer adds
   * after a document's last line stays inside that document.
   */
  start: number;
  end: number;
  doc: Document.Parsed;
  /** Plain value (YAML 1.1 semantics); null for empty and comment-only documents. */
  value: unknown;
  /**
   * Set when the document was proved well-formed by a line scan and not composed (the caller's
   * `skip` said no transform reads it): `doc` is then a placeholder and `value` undefined.
   */
  skimmed?: Skimmed;
  /**
   * Set when the document was composed with some values blanked out (the caller's `skip` named
   * them: no transform reads them, e.g. a CRD's schemas): `value` has null in their place, so the
   * document must never be edited (its text is copied as it is).
   */
  pruned?: readonly Prune[];
}

/** The value of a root key's child, as [root key, child key] (see childValueRange). */
export type Prune = readonly [string, string];

/**
 * Whether a document the line scan proved well-formed can stay uncomposed (true: nothing will read
 * it), must be composed (false), or can be composed without the values of these keys.
 */
export type SkipDocument = (skimmed: Skimmed, text: string, start: number, end: number) => boolean | readonly Prune[];

export interface ParsedStream {
  file: string;
  text: string;
  /** Line/column of an offset (binary search over line starts). */
  lineCol(offset: number): { line: number; col: number };
  eol: '\n' | '\r\n';
  documents: SourceDocument[];
}

export function decodeInput(bytes: Uint8Array, file: string): string {
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff)) {
    throw new InputError({ file, line: 1, col: 1 }, 'file is UTF-16 encoded; kharden reads UTF-8 (convert it with iconv -f UTF-16 -t UTF-8)');
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    const pos = lineColAt(bytes, at);
    throw new InputError({ file, ...pos }, `file is not valid UTF-8 (byte 0x${bytes[at]?.toString(16)} at offset ${at})`);
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) throw new InputError({ file, ...lineCol(text, nul) }, 'file contains NUL bytes: binary data, not YAML');
  return text;
}

function firstInvalidUtf8(bytes: Uint8Array): number {
  // A fresh decoder per probe: in stream mode a decoder carries state from one call to the next.
  const fails = (end: number, stream: boolean) => {
    try {
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, end), { stream });
      return false;
    } catch {
      return true;
    }
  };
  let lo = 0;
  let hi = bytes.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (fails(mid + 1, true)) hi = mid;
    else lo = mid + 1;
  }
  // An unfinished sequence (`caf\xe9\n`) is noticed only at the byte after it: point at its lead byte.
  if (lo > 0 && fails(lo, false)) {
    let i = lo - 1;
    while (i > 0 && (bytes[i] & 0xc0) === 0x80) i--;
    return i;
  }
  return lo;
}

function lineColAt(bytes: Uint8Array, at: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = 0; i < at; i++) if (bytes[i] === 0x0a) (line++, (last = i));
  return { line, col: at - last };
}

export function lineCol(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let last = -1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) (line++, (last = i));
  return { line, col: offset - last };
}

/**
 * Reads a stream one document at a time (the yaml Composer is a generator), so the syntax tree of
 * a document can be dropped once it has been hardened: memory stays near one document's worth of
 * tree instead of the whole stream's. Any syntax error stops with an InputError naming file,
 * document and line:col.
 */
export function readStream(text: string, file: string, skip?: SkipDocument): Omit<ParsedStream, 'documents'> & { documents(): Generator<SourceDocument> } {
  if (text.length > MAX_DOCUMENT_BYTES) {
    throw new InputError({ file }, `input is ${(text.length / 1048576).toFixed(0)} MiB; the limit is ${MAX_DOCUMENT_BYTES / 1048576} MiB per file`);
  }
  const { parseText, skipped } = skip ? blankSkipped(text, skip) : { parseText: text, skipped: [] };
  // Lines are counted in the input, not by the parser: the parser reads skipped documents as one line.
  const lineCounter = lineCounterOf(text);
  const lineColOf = (offset: number) => lineCounter.linePos(offset);
  function* documents(): Generator<SourceDocument> {
    const composer = new Composer<ParsedNode, true>({ ...PARSE_OPTIONS });
    const parser = new Parser();
    let pending: { doc: Document.Parsed; index: number; start: number; skim?: SkippedRegion } | undefined;
    let index = 0;
    let start = 0;
    let nextSkip = 0;
    const finish = (p: NonNullable<typeof pending>, end: number): SourceDocument =>
      p.skim && !p.skim.pruned
        ? { index: p.index, start: p.start, end, doc: p.doc, value: undefined, skimmed: p.skim.skimmed }
        : { index: p.index, start: p.start, end, doc: p.doc, value: valueOf(p.doc, p.index), ...(p.skim?.pruned ? { pruned: p.skim.pruned } : {}) };
    for (const doc of composer.compose(parser.parse(parseText))) {
      check(doc as Document.Parsed, index);
      const at = (doc as Document.Parsed).range[0];
      if (pending) {
        // A skipped document owns its whole region, up to the next `---` line.
        const end = pending.skim && !pending.skim.pruned ? pending.skim.end : lineBoundaryAfter(text, pending.doc.range[2], at);
        yield finish(pending, end);
        start = end;
      }
      // A placeholder's `~` stands inside its region (the document's own range starts at its `---`).
      const inner = ((doc as Document.Parsed).contents as ParsedNode | null)?.range[0] ?? at;
      while (nextSkip < skipped.length && skipped[nextSkip].end <= inner) nextSkip++;
      const skim = nextSkip < skipped.length && skipped[nextSkip].start <= inner ? skipped[nextSkip] : undefined;
      pending = { doc: doc as Document.Parsed, index: index++, start, skim };
    }
    if (pending) yield finish(pending, text.length);
  }
  function check(doc: Document.Parsed, index: number): void {
    const err = doc.errors[0];
    if (err && skipped.length) {
      // Where the library notices an error can depend on the text after it: report it exactly as
      // when every document is composed (an error path, so its cost does not matter).
      for (const _ of readStream(text, file).documents());
    }
    if (err) {
      const explained = explainSyntaxError(err.code, err.message, text, err.pos[0]);
      // The library notices an unclosed quote or bracket where the text runs out; the fix is where it opens.
      const opening = unclosedOpening(text, err.message, err.pos[0]);
      const pos = lineCounter.linePos(opening?.offset ?? err.pos[0]);
      const where = opening ? ` — the ${opening.what} opened here is never closed (the library noticed at line ${lineCounter.linePos(err.pos[0]).line})` : '';
      throw new InputError({ file, document: index, line: pos.line, col: pos.col }, explained + where);
    }
  }
  function valueOf(doc: Document.Parsed, index: number): unknown {
    let read;
    try {
      read = documentValue(doc);
    } catch (e) {
      const pos = lineCounter.linePos(doc.range[0]);
      throw new InputError({ file, document: index, line: pos.line, col: pos.col }, `${(e as Error).message} (alias expansion is bounded to protect against "billion laughs" documents)`);
    }
    if (!('value' in read)) {
      const { offset, message } = explainKeyProblem(read, text, doc.range[0]);
      const pos = lineCounter.linePos(offset);
      throw new InputError({ file, document: index, line: pos.line, col: pos.col }, message);
    }
    return read.value;
  }
  return { file, text, eol: detectEol(text), documents, lineCol: lineColOf };
}

interface SkippedRegion {
  start: number;
  end: number;
  skimmed: Skimmed;
  /** Composed, with these values blanked: not skipped. */
  pruned?: readonly Prune[];
}

/**
 * Where each line of `text` starts, as the library's LineCounter would have been told by a parser
 * reading `text` (lines start at 0 and after every line feed, inside scalars too).
 */
export function lineCounterOf(text: string): LineCounter {
  const counter = new LineCounter();
  counter.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) counter.addNewLine(i + 1);
  return counter;
}

/**
 * The text the parser reads: every document the line scan proved well-formed and `skip` lets
 * stay uncomposed is replaced by a null document (`~` and a comment) of the same length, so
 * offsets and document indexes of everything else stay what they were (lines are counted in the
 * input itself).
 */
function blankSkipped(text: string, skip: SkipDocument): { parseText: string; skipped: SkippedRegion[] } {
  const skipped: SkippedRegion[] = [];
  const parts: string[] = [];
  let last = 0;
  for (const r of splitRegions(text)) {
    if (!r.bareMarker || r.end - r.start < 16) continue;
    const skimmed = skimDocument(text, r.start, r.end);
    if (!skimmed) continue;
    const decision = skip(skimmed, text, r.start, r.end);
    if (decision === false) continue;
    if (decision === true) {
      // `~ #` and a comment as long as the rest, on one line: the same length (a line break each
      // would cost the parser a token per line of a large CRD).
      parts.push(text.slice(last, r.start), '~ #', ' '.repeat(r.end - r.start - 4), '\n');
      last = r.end;
      skipped.push({ start: r.start, end: r.end, skimmed });
      continue;
    }
    // A value nothing reads becomes ` ~ #` and a comment as long as it, on one line.
    const ranges: [number, number][] = [];
    const pruned: Prune[] = [];
    for (const prune of decision) {
      const range = childValueRange(text, r.start, r.end, prune[0], prune[1]);
      if (range && range[1] - range[0] >= 5) (ranges.push(range), pruned.push(prune));
    }
    if (!ranges.length) continue;
    for (const [from, to] of ranges.sort((a, b) => a[0] - b[0])) {
      parts.push(text.slice(last, from), ' ~ #', ' '.repeat(to - from - 5), '\n');
      last = to;
    }
    skipped.push({ start: r.start, end: r.end, skimmed, pruned });
  }
  if (skipped.length === 0) return { parseText: text, skipped };
  parts.push(text.slice(last));
  return { parseText: parts.join(''), skipped };
}

/**
 * Where a document's slice ends: the end of the line its range ends on. The library ends a
 * document's range right after its last token, which is mid-line when the last value is empty
 * (`volumes:`) or a comment ends the document; the rest of that line (its line break) belongs to
 * the same document, not to the next one. The next document's own start is the upper bound (it
 * starts on a later line in any stream that parsed).
 */
export function lineBoundaryAfter(text: string, rangeEnd: number, nextStart: number): number {
  if (rangeEnd === 0 || text[rangeEnd - 1] === '\n') return rangeEnd;
  const nl = text.indexOf('\n', rangeEnd);
  return Math.min(nl < 0 ? text.length : nl + 1, Math.max(rangeEnd, nextStart));
}

/**
 * The value of a composed document, or the first thing that keeps it from having one: a duplicate
 * key (reported, never resolved by guessing which one wins), a map or list used as a key (which the
 * library would stringify, with a warning, and Kubernetes refuses), or an alias inside the node it
 * names. Throws when alias expansion exceeds MAX_ALIAS_COUNT.
 */
export function documentValue(doc: Document.Parsed): { value: unknown } | KeyProblem {
  // The fast walk gives up on two keys that read alike and on non-scalar keys, so a plain value has neither.
  const plain = plainValueOf(doc.contents);
  if (plain !== NOT_PLAIN) return { value: plain };
  return findKeyProblem(doc) ?? { value: doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
}

/** Parses a whole stream into a list of documents (see readStream). */
export function parseStream(text: string, file: string): ParsedStream {
  const reader = readStream(text, file);
  return { ...reader, documents: [...reader.documents()] };
}

export type KeyProblem = { duplicate: Scalar } | { collectionKey: ParsedNode } | { cycle: Alias };

/**
 * The first key that repeats an earlier scalar key of the same map (what `uniqueKeys: true`
 * reports), or that is itself a map or list, or the first alias inside the very node it names
 * (`&a {b: *a}`: an endless value), in linear time.
 */
export function findKeyProblem(doc: Document.Parsed): KeyProblem | undefined {
  const open = new Set<unknown>();
  // A plain recursive walk: the library's visit() costs several times more on large streams.
  const walk = (node: unknown): KeyProblem | undefined => {
    if (isAlias(node)) {
      if (open.has(node.resolve(doc))) return { cycle: node };
      return undefined;
    }
    if (!isMap(node) && !isSeq(node)) return undefined;
    open.add(node);
    if (isMap(node)) {
      const seen = new Set<unknown>();
      for (const pair of node.items) {
        const key = pair.key;
        if (isCollection(key)) return { collectionKey: key as ParsedNode };
        // Merge keys (`<<`) read as symbols and may repeat, as in the library's own check.
        if (isScalar(key) && typeof key.value !== 'symbol') {
          if (seen.has(key.value)) return { duplicate: key };
          seen.add(key.value);
        }
        const found = walk(pair.value);
        if (found) return found;
      }
    } else {
      for (const item of node.items) {
        const found = walk(item);
        if (found) return found;
      }
    }
    open.delete(node);
    return undefined;
  };
  return walk(doc.contents);
}

/** Where a key problem is and what to say about it. */
function explainKeyProblem(problem: KeyProblem, text: string, docStart: number): { offset: number; message: string } {
  if ('duplicate' in problem) {
    const offset = problem.duplicate.range![0];
    return { offset, message: explainSyntaxError('DUPLICATE_KEY', 'Map keys must be unique', text, offset) };
  }
  if ('cycle' in problem) {
    return {
      offset: problem.cycle.range?.[0] ?? docStart,
      message: `alias *${problem.cycle.source} stands inside the node its anchor names, so the value never ends; Kubernetes refuses it: copy the values instead`,
    };
  }
  const key = problem.collectionKey;
  // A block map's range can start after its first key (`? name: foo`): take the earlier of the two.
  const first = isMap(key) ? (key.items[0]?.key as ParsedNode | undefined)?.range?.[0] : isSeq(key) ? (key.items[0] as ParsedNode | undefined)?.range?.[0] : undefined;
  const offset = Math.min(key.range?.[0] ?? docStart, first ?? Infinity);
  const shown = text.slice(offset, key.range?.[1] ?? offset).replace(/\s+/g, ' ').trim().slice(0, 40);
  // `{{ .Values.x }}` as a key parses as a map used as a key: a template leftover.
  const why = text.includes('{{')
    ? 'this looks like an unrendered template placeholder ("{{ … }}"); render it first'
    : 'Kubernetes reads manifests as JSON, whose keys are strings only; write the key as a string';
  return { offset, message: `a map key is itself a map or list (${shown}): ${why}` };
}

function detectEol(text: string): '\n' | '\r\n' {
  const nl = text.indexOf('\n');
  return nl > 0 && text[nl - 1] === '\r' ? '\r\n' : '\n';
}

/**
 * Where an unclosed quoted scalar or flow collection opens, for the errors the library reports at
 * the point where the text runs out: the first such token (in the syntax tree) before that point.
 */
export function unclosedOpening(text: string, message: string, errorOffset: number): { offset: number; what: string } | undefined {
  const quote = /^Missing closing (["'])quote/.exec(message);
  const flow = /must (?:be sufficiently indented and )?end with an? ([}\]])/.exec(message);
  if (!quote && !flow) return undefined;
  let found: { offset: number; what: string } | undefined;
  for (const token of new Parser().parse(text)) {
    if (found || token.type !== 'document' || token.offset > errorOffset) break;
    CST.visit(token, (item) => {
      const v = item.value;
      if (!v || v.offset > errorOffset) return CST.visit.BREAK;
      if (quote && (v.type === 'double-quoted-scalar' || v.type === 'single-quoted-scalar') && !isClosedQuote(v.source)) {
        found = { offset: v.offset, what: v.type === 'double-quoted-scalar' ? 'double-quoted string' : 'single-quoted string' };
        return CST.visit.BREAK;
      }
      if (flow && v.type === 'flow-collection' && v.start.source === (flow[1] === '}' ? '{' : '[') && !v.end.some((t) => t.type === 'flow-map-end' || t.type === 'flow-seq-end')) {
        found = { offset: v.offset, what: v.start.source === '{' ? 'flow map "{"' : 'flow sequence "["' };
        return CST.visit.BREAK;
      }
      return undefined;
    });
  }
  return found;
}

function isClosedQuote(source: string): boolean {
  const q = source[0];
  if (source.length < 2 || !source.endsWith(q)) return false;
  if (q === "'") return true;
  let backslashes = 0;
  for (let i = source.length - 2; i > 0 && source[i] === '\\'; i--) backslashes++;
  return backslashes % 2 === 0;
}

function explainSyntaxError(code: string, message: string, text: string, offset: number): string {
  const first = message.split('\n')[0].replace(/ at line \d+, column \d+:?$/, '');
  const ls = text.lastIndexOf('\n', offset - 1) + 1;
  const le = text.indexOf('\n', offset);
  const line = text.slice(ls, le < 0 ? undefined : le);
  if (/\{\{.*\}\}|\{\{-|\{\{/.test(text) && /\{\{/.test(text.slice(Math.max(0, ls - 2000), le < 0 ? undefined : le + 2000))) {
    return `${first} — this looks like an unrendered Helm/Go template ("{{ … }}"); render it first (helm template …) and pass the output`;
  }
  if (code === 'DUPLICATE_KEY') return `${first} — duplicate keys are ambiguous (Kubernetes and YAML tools disagree on which wins); remove one`;
  if (code === 'TAB_AS_INDENT' || /\t/.test(line.slice(0, line.length - line.trimStart().length))) {
    return /tab/i.test(first) ? `${first} (YAML indents with spaces only)` : `${first} — tabs are not allowed for indentation in YAML`;
  }
  if (/^\s*[{[]/.test(line) && code === 'UNEXPECTED_TOKEN') return `${first} — several JSON values in one file (NDJSON?) need "---" between them`;
  return first;
}
