/**
 * A line scan that proves a document valid without composing it, for documents no transform reads.
 *
 * `skimDocument` accepts only a conservative subset of YAML that it checks completely: a block map
 * at column 0, block maps and sequences below it, single-line plain keys (not ones YAML 1.1 reads
 * as booleans, nulls or numbers) and simple quoted keys, plain scalars (multi-line too), single-line
 * quoted scalars (escapes checked), `|`/`>` block scalars without an indentation indicator, and
 * single-line flow collections of such scalars; comments anywhere a comment may stand. Anything
 * else — anchors, aliases, tags, directives, `...`, tabs, complex keys, multi-line quoted or flow
 * values, a duplicate key, odd indentation — gives `undefined` ("not sure"), and the caller composes
 * the document with the yaml library as before, so every error keeps the library's message and
 * position. When it says yes, the library composes the same text without an error and without a
 * duplicate key (test/yaml/skim.test.ts checks this on the corpus and on mutated documents).
 *
 * It never reports an error itself: it only lets the engine copy bytes it has proved well-formed.
 */

export interface Skimmed {
  apiVersion: string;
  kind: string;
  /**
   * The apiVersion and kind of each item of the root `items` sequence, when it is a block sequence
   * of maps (a `*List`); an entry misses either when the item has no simple one.
   */
  items?: { apiVersion?: string; kind?: string }[];
}

/** Plain scalars YAML 1.1 reads as something other than a string (keys: duplicates could hide behind them). */
const NOT_A_STRING_1_1 = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.\/-]*$/;
const SIMPLE_ROOT_VALUE = /^[A-Za-z][A-Za-z0-9.\/-]*$/;
/** Characters a plain scalar may not start with (YAML indicators), `-`, `?` and `:` included to stay on the safe side. */
const INDICATOR = new Set(['-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);

const UNHANDLED = /[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\ufeff\ud800-\udfff]|\r(?!\n)/;
const SPACES = / */y;

interface Ctx {
  type: 'map' | 'seq';
  indent: number;
  keys: Set<string> | undefined;
  /** A sequence that is the value of the root key `items`. */
  items: boolean;
  /** A map that is an item of that sequence: its apiVersion and kind go here. */
  item: { apiVersion?: string; kind?: string } | undefined;
}

/**
 * Why a value ended where it did, so what may follow on the next lines: `pending` (an empty value:
 * a nested block may follow, more indented than `owner`, or a sequence at `owner` after a `key`),
 * `plain` (a plain scalar without a comment: more-indented lines continue it), `block` (a block
 * scalar's content lines follow), `quoted` (a quoted scalar not closed on its line: more-indented
 * lines continue it until `q` closes it). One shape for all, so the optimizer sees one map.
 */
interface Tail {
  t: 'none' | 'pending' | 'plain' | 'block' | 'quoted';
  owner: number;
  key: boolean;
  q: '"' | "'";
  /** A root apiVersion or kind: a continuation makes it unsure. */
  rootKey: boolean;
}

function tailOf(t: Tail['t'], owner = 0, key = false, q: Tail['q'] = '"', rootKey = false): Tail {
  return { t, owner, key, q, rootKey };
}

const NONE = tailOf('none');

/**
 * Checks the document in `text` between `start` and `end` (whole lines; no `---` line inside) and
 * returns its apiVersion and kind when it is certainly a valid single Kubernetes object of the
 * subset above, else undefined.
 */
export function skimDocument(text: string, start: number, end: number): Skimmed | undefined {
  // Characters the subset does not handle: tabs, other control characters, a BOM, surrogates, a
  // CR that does not end a line. One native scan.
  if (UNHANDLED.test(text.slice(start, end))) return undefined;
  const sk = new Skimmer(text);
  let pos = start;
  while (pos < end) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0 || nl >= end) nl = end;
    let lineEnd = nl;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    const lineStart = pos;
    pos = nl + 1;
    if (!sk.line(lineStart, lineEnd)) return undefined;
  }
  return sk.result();
}

/**
 * The state of one skim. The work is split into small methods on purpose: one long function was
 * re-optimized several times by V8 on the first large document (each time a branch it had not
 * seen yet ran), which cost several times the scan itself.
 */
class Skimmer {
  stack: Ctx[] = [];
  tail: Tail = NONE;
  apiVersion: string | undefined = undefined;
  kind: string | undefined = undefined;
  blockIndent = -1;
  blockLeadingMax = 0;
  blockHasContent = false;
  /** The root key whose value is pending (to know a sequence is `items`). */
  pendingRootKey: string | undefined = undefined;
  items: { apiVersion?: string; kind?: string }[] | undefined = undefined;
  constructor(readonly text: string) {}

  result(): Skimmed | undefined {
    if ((this.tail.t === 'block' && !this.blockHasContent) || this.tail.t === 'quoted') return undefined;
    if (this.apiVersion === undefined || this.kind === undefined) return undefined;
    return { apiVersion: this.apiVersion, kind: this.kind, ...(this.items ? { items: this.items } : {}) };
  }

  /** One line; false when unsure. */
  line(lineStart: number, lineEnd: number): boolean {
    SPACES.lastIndex = lineStart;
    SPACES.test(this.text);
    const indent = Math.min(SPACES.lastIndex, lineEnd) - lineStart;
    const blank = lineStart + indent === lineEnd;
    if (this.tail.t === 'block') {
      const r = this.blockLine(indent, blank, lineEnd - lineStart);
      if (r !== 1) return r === 0;
    }
    if (this.tail.t === 'quoted') return blank || this.quotedLine(indent, lineStart, lineEnd);
    if (blank) return true;
    const first = this.text.charCodeAt(lineStart + indent);
    if (first === 35 /* # */) {
      // A comment line ends a plain scalar; text after it may not continue the scalar.
      if (this.tail.t === 'plain') this.tail = NONE;
      return true;
    }
    if (indent === 0 && (first === 37 /* % */ || this.text.startsWith('---', lineStart) || this.text.startsWith('...', lineStart))) return false;
    const line = this.text.slice(lineStart + indent, lineEnd);
    if (this.tail.t === 'plain') {
      if (indent > this.tail.owner) return !this.tail.rootKey && plainSafe(line, true);
      this.tail = NONE;
    }
    return this.structure(indent, line);
  }

  /** A line after a block scalar header: 0 content (or unsure: -1), 1 the scalar ended before it. */
  blockLine(indent: number, blank: boolean, length: number): number {
    if (blank) {
      if (!this.blockHasContent) this.blockLeadingMax = Math.max(this.blockLeadingMax, length);
      return 0;
    }
    if (indent > this.tail.owner) {
      if (!this.blockHasContent) {
        this.blockIndent = indent;
        this.blockHasContent = true;
        if (this.blockLeadingMax > this.blockIndent) return -1;
      } else if (indent < this.blockIndent) return -1;
      return 0;
    }
    if (!this.blockHasContent) return -1;
    this.tail = NONE;
    return 1;
  }

  /** A line inside a quoted scalar that did not close on its first line. */
  quotedLine(indent: number, lineStart: number, lineEnd: number): boolean {
    if (indent <= this.tail.owner) return false;
    const line = this.text.slice(lineStart + indent, lineEnd);
    const endQ = quotedEnd(line, -1, this.tail.q);
    if (endQ === -2) return false;
    if (endQ >= 0) {
      if (!restIsComment(line, endQ)) return false;
      this.tail = NONE;
    }
    return true;
  }

  /** A line that is part of the block structure: a key, a sequence entry, or a value on its own line. */
  structure(indent: number, line: string): boolean {
    const stack = this.stack;
    let col = indent;
    let rest = line;
    if (this.tail.t === 'pending') {
      const p = this.tail;
      this.tail = NONE;
      const isDash = rest === '-' || rest.startsWith('- ');
      if (indent > p.owner || (p.key && indent === p.owner && isDash)) {
        if (isDash) stack.push({ type: 'seq', indent, keys: undefined, items: stack.length === 1 && this.pendingRootKey === 'items', item: undefined });
        else if (keyOf(rest) !== undefined) this.pushMap(indent);
        else {
          // A scalar on its own line.
          const v = scalarValue(rest, p.owner);
          if (!v || v.t === 'block') return false;
          this.tail = v;
          return true;
        }
      }
    }
    if (stack.length === 0) {
      if (indent !== 0 || keyOf(rest) === undefined) return false;
      stack.push({ type: 'map', indent: 0, keys: new Set(), items: false, item: undefined });
    }
    while (stack.length && stack[stack.length - 1].indent > indent) stack.pop();
    let top = stack[stack.length - 1];
    if (!top || top.indent !== indent) return false;
    if (top.type === 'seq' && !(rest === '-' || rest.startsWith('- '))) {
      // A key after a sequence that was the value of the map's previous key, at the same column.
      stack.pop();
      top = stack[stack.length - 1];
      if (!top || top.type !== 'map' || top.indent !== indent) return false;
    }
    if (top.type === 'seq') {
      // A sequence entry, possibly starting a map (`- name: x`).
      if (rest === '-') {
        this.tail = tailOf('pending', col, false);
        return true;
      }
      let k = 1;
      while (k < rest.length && rest.charCodeAt(k) === 32) k++;
      const dashCol = col;
      col += k;
      rest = rest.slice(k);
      if (rest === '' || rest.startsWith('#')) {
        this.tail = tailOf('pending', dashCol, false);
        return true;
      }
      if (rest === '-' || rest.startsWith('- ')) return false;
      if (keyOf(rest) === undefined) {
        const v = scalarValue(rest, dashCol);
        if (!v) return false;
        this.setTail(v);
        return true;
      }
      top = this.pushMap(col);
    }
    return this.keyLine(top, rest);
  }

  /** A key line of the map `top`. */
  keyLine(top: Ctx, rest: string): boolean {
    const key = keyOf(rest);
    if (key === undefined) return false;
    if (top.keys!.has(key.name)) return false;
    top.keys!.add(key.name);
    const named = key.name === 'apiVersion' || key.name === 'kind';
    const root = (this.stack.length === 1 || top.item !== undefined) && named;
    if (this.stack.length === 1) this.pendingRootKey = key.name;
    let v = rest.slice(key.length);
    let s = 0;
    while (s < v.length && v.charCodeAt(s) === 32) s++;
    v = v.slice(s);
    if (v === '' || (s > 0 && v.startsWith('#'))) {
      this.tail = tailOf('pending', top.indent, true);
      return !root;
    }
    const value = scalarValue(v, top.indent);
    if (!value) return false;
    this.setTail(value);
    if (root) {
      if (value.t === 'block') return false;
      const str = simpleString(v);
      if (str === undefined) return false;
      // A plain value continued on the next line is not the simple string it looks like.
      if (value.t === 'plain') this.tail = tailOf('plain', value.owner, false, '"', true);
      const into = top.item ?? this;
      if (key.name === 'apiVersion') into.apiVersion = str;
      else into.kind = str;
    }
    return true;
  }

  /** Opens a block map at `indent` inside the current top (an item when that is the root `items` sequence). */
  pushMap(indent: number): Ctx {
    const parent = this.stack[this.stack.length - 1];
    let item: Ctx['item'];
    if (parent?.items) (this.items ??= []).push((item = {}));
    const map: Ctx = { type: 'map', indent, keys: new Set(), items: false, item };
    this.stack.push(map);
    return map;
  }

  setTail(value: Tail): void {
    this.tail = value;
    if (value.t === 'block') {
      this.blockIndent = -1;
      this.blockLeadingMax = 0;
      this.blockHasContent = false;
    }
  }
}

/** A scalar value standing at the start of `v`: what may follow it, or undefined when unsure. */
function scalarValue(v: string, owner: number): Tail | undefined {
  const c = v[0];
  if (c === '|' || c === '>') return /^[|>][-+]?(?: +#.*)? *$/.test(v) ? tailOf('block', owner) : undefined;
  if (c === '"' || c === "'") {
    const endQ = quotedEnd(v, 0, c);
    if (endQ === -1) return tailOf('quoted', owner, false, c);
    return endQ >= 0 && restIsComment(v, endQ) ? NONE : undefined;
  }
  if (c === '[' || c === '{') {
    const r = flow(v, 0);
    return r >= 0 && restIsComment(v, r) ? NONE : undefined;
  }
  if (INDICATOR.has(c) && !((c === '-' || c === ':' || c === '?') && v.length > 1 && v[1] !== ' ')) return undefined;
  if (c === '?' || c === ':') return undefined;
  const hash = v.indexOf(' #');
  const body = hash >= 0 ? v.slice(0, hash) : v;
  if (!plainSafe(body, false)) return undefined;
  return hash >= 0 ? NONE : tailOf('plain', owner);
}

/** A key at the start of `s` followed by `:` and a space or the end: its name and length (through the colon). */
function keyOf(s: string): { name: string; length: number } | undefined {
  const c = s[0];
  if (c === '"' || c === "'") {
    const close = s.indexOf(c, 1);
    if (close < 0 || s[close + 1] !== ':' || (close + 2 < s.length && s[close + 2] !== ' ')) return undefined;
    const name = s.slice(1, close);
    if (name.includes('\\') || name.length > 1000) return undefined;
    return { name, length: close + 2 };
  }
  let i = s.indexOf(':');
  while (i >= 0 && i + 1 < s.length && s[i + 1] !== ' ') i = s.indexOf(':', i + 1);
  if (i <= 0) return undefined;
  const name = s.slice(0, i);
  if (name.length > 1000 || !PLAIN_KEY.test(name) || NOT_A_STRING_1_1.test(name)) return undefined;
  return { name, length: i + 1 };
}

/** A plain scalar's text (or a continuation line) the subset accepts: no `: `, no comment, no trailing `:`. */
function plainSafe(s: string, continuation: boolean): boolean {
  // A continuation line may start with a quote or backquote (it is inside the scalar), or with `-`
  // not followed by a space (`--dry-run` in a description); other indicators stay out.
  const dashWord = s[0] === '-' && s.length > 1 && s[1] !== ' ';
  if (continuation && ((INDICATOR.has(s[0]) && s[0] !== '"' && s[0] !== "'" && s[0] !== '`' && !dashWord) || s.startsWith('---') || s.startsWith('...'))) return false;
  if (s.includes(': ') || s.includes(' #')) return false;
  const t = s.trimEnd();
  return t !== '' && !t.endsWith(':');
}

/** After position `i`: nothing, spaces, or spaces and a comment. */
function restIsComment(s: string, i: number): boolean {
  if (i === s.length) return true;
  if (s.charCodeAt(i) !== 32) return false;
  const r = s.slice(i).trimStart();
  return r === '' || r.startsWith('#');
}

const ESCAPES = new Set(['0', 'a', 'b', 'e', 'f', 'n', 'r', 't', 'v', 'N', '_', 'L', 'P', ' ', '"', '/', '\\']);

/**
 * Where a quoted scalar closes in `s` (after the quote), scanning from `i + 1`: -1 when it does
 * not close on this line, -2 for an escape the subset does not accept.
 */
function quotedEnd(s: string, i: number, q: '"' | "'"): number {
  if (q === "'") return singleQuotedEnd(s, i);
  return doubleQuotedEnd(s, i, true);
}

/** End (after the closing quote) of a double-quoted scalar at `i`, or -1 (-2 with `lines`: an escape the subset does not accept; -1: not closed on this line). */
function doubleQuotedEnd(s: string, i: number, lines = false): number {
  for (let j = i + 1; j < s.length; j++) {
    const c = s[j];
    if (c === '"') return j + 1;
    if (c === '\\') {
      const e = s[j + 1];
      if (e === undefined) return -1; // an escaped line break: it goes on
      const hex = e === 'x' ? 2 : e === 'u' ? 4 : e === 'U' ? 8 : 0;
      if (hex) {
        if (j + 2 + hex > s.length || !/^[0-9A-Fa-f]+$/.test(s.slice(j + 2, j + 2 + hex))) return lines ? -2 : -1;
        j += 1 + hex;
      } else if (ESCAPES.has(e)) j++;
      else return lines ? -2 : -1;
    }
  }
  return -1;
}

/** End of a single-line single-quoted scalar at `i`, or -1. */
function singleQuotedEnd(s: string, i: number): number {
  for (let j = i + 1; j < s.length; j++) {
    if (s[j] === "'") {
      if (s[j + 1] === "'") j++;
      else return j + 1;
    }
  }
  return -1;
}

const FLOW_PLAIN = /^[A-Za-z0-9_.\/=+$%^()<>~-](?:[A-Za-z0-9_.\/=+$%^()<>~ -]*[A-Za-z0-9_.\/=+$%^()<>~-])?/;

/** End of a single-line flow collection at `i` (nested ones, plain and quoted scalars, `key: value` in maps), or -1. */
function flow(s: string, i: number): number {
  const open = s[i];
  const close = open === '[' ? ']' : '}';
  const keys = new Set<string>();
  let j = skipSpaces(s, i + 1);
  if (s[j] === close) return j + 1;
  for (;;) {
    if (open === '{') {
      const m = /^([A-Za-z_][A-Za-z0-9_.\/-]*): /.exec(s.slice(j));
      if (!m || NOT_A_STRING_1_1.test(m[1]) || keys.has(m[1])) return -1;
      keys.add(m[1]);
      j = skipSpaces(s, j + m[0].length);
    }
    j = flowItem(s, j);
    if (j < 0) return -1;
    j = skipSpaces(s, j);
    if (s[j] === close) return j + 1;
    if (s[j] !== ',') return -1;
    j = skipSpaces(s, j + 1);
    if (s[j] === close || s[j] === ',') return -1;
  }
}

function flowItem(s: string, j: number): number {
  const c = s[j];
  if (c === '"') return doubleQuotedEnd(s, j);
  if (c === "'") return singleQuotedEnd(s, j);
  if (c === '[' || c === '{') return flow(s, j);
  const m = FLOW_PLAIN.exec(s.slice(j));
  if (!m || (c === '-' && s[j + 1] === ' ')) return -1;
  return j + m[0].length;
}

function skipSpaces(s: string, j: number): number {
  while (s.charCodeAt(j) === 32) j++;
  return j;
}

/** A root apiVersion or kind value that is certainly the string it looks like: plain, or quoted without escapes. */
function simpleString(v: string): string | undefined {
  const c = v[0];
  let s: string;
  if (c === '"' || c === "'") {
    const close = v.indexOf(c, 1);
    s = v.slice(1, close);
    if (close < 0 || s.includes('\\')) return undefined;
  } else {
    const hash = v.indexOf(' #');
    s = (hash >= 0 ? v.slice(0, hash) : v).trimEnd();
  }
  return SIMPLE_ROOT_VALUE.test(s) && !NOT_A_STRING_1_1.test(s) ? s : undefined;
}

/**
 * The documents of a stream as a line scan sees them: each region starts after a `---` line (or at
 * the start) and ends where the next `---` line starts. `marker` says whether the `---` line that
 * opens it is bare (nothing but an optional comment after it), the only kind a region may be
 * skipped after.
 */
export function splitRegions(text: string): { start: number; end: number; bareMarker: boolean }[] {
  const out: { start: number; end: number; bareMarker: boolean }[] = [];
  let start = 0;
  let bare = true;
  let at = 0;
  for (;;) {
    let i = at === 0 && text.startsWith('---') ? 0 : text.indexOf('\n---', at);
    if (i < 0) break;
    const lineStart = i === 0 && at === 0 && text.startsWith('---') ? 0 : i + 1;
    const after = text.charCodeAt(lineStart + 3);
    if (lineStart + 3 < text.length && after !== 10 && after !== 32 && after !== 13) {
      at = lineStart + 3;
      continue;
    }
    let nl = text.indexOf('\n', lineStart);
    if (nl < 0) nl = text.length;
    const restOfLine = text.slice(lineStart + 3, nl).trim();
    out.push({ start, end: lineStart, bareMarker: bare });
    start = Math.min(nl + 1, text.length);
    bare = restOfLine === '' || restOfLine.startsWith('#');
    at = nl;
    if (nl >= text.length) break;
  }
  out.push({ start, end: text.length, bareMarker: bare });
  return out;
}

/**
 * Where the value of `/<root>/<child>` lies in a document skimDocument accepted (block maps, whole
 * lines): from just after the child's `key:` to the end of the last line of its value, as [from,
 * to). The engine composes such a document with that value blanked out, when no transform reads
 * it (a CRD's schemas). Undefined when the key is not there in the plain `key:` form at the first
 * child indent of a root key written plainly.
 */
export function childValueRange(text: string, start: number, end: number, root: string, child: string): [number, number] | undefined {
  let lineStart = start;
  let inRoot = false;
  let childIndent = -1;
  let from = -1;
  const indentAt = (i: number) => {
    let n = 0;
    while (text.charCodeAt(i + n) === 32) n++;
    return n;
  };
  while (lineStart < end) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl < 0 || nl >= end ? end : nl + 1;
    const indent = indentAt(lineStart);
    const first = text[lineStart + indent];
    const blank = first === '\n' || first === '\r' || first === '#' || lineStart + indent >= lineEnd;
    // A `- ` item at the key's own indent still belongs to the key's value (a sequence written flush).
    const item = first === '-' && /[ \r\n]/.test(text[lineStart + indent + 1] ?? '\n');
    if (!blank) {
      if (from >= 0 && (indent < childIndent || (indent === childIndent && !item))) return [from, lineStart];
      if (indent === 0) {
        if (inRoot) return undefined;
        inRoot = text.startsWith(`${root}:`, lineStart);
      } else if (inRoot) {
        if (childIndent < 0) childIndent = indent;
        if (indent === childIndent && from < 0 && text.startsWith(`${child}:`, lineStart + indent)) from = lineStart + indent + child.length + 1;
      }
    }
    lineStart = lineEnd;
  }
  return from >= 0 ? [from, end] : undefined;
}
