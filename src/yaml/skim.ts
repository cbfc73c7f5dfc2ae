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
}

/** Plain scalars YAML 1.1 reads as something other than a string (keys: duplicates could hide behind them). */
const NOT_A_STRING_1_1 = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL|~)$/;
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_.\/-]*$/;
const SIMPLE_ROOT_VALUE = /^[A-Za-z][A-Za-z0-9.\/-]*$/;
/** Characters a plain scalar may not start with (YAML indicators), `-`, `?` and `:` included to stay on the safe side. */
const INDICATOR = new Set(['-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`']);

interface Ctx {
  type: 'map' | 'seq';
  indent: number;
  keys?: Set<string>;
}

/** Why a value ended where it did: what may follow on the next lines. */
type Tail =
  | { t: 'none' }
  /** An empty value: a nested block may follow, more indented than `owner` (or a sequence at `owner`, after a key). */
  | { t: 'pending'; owner: number; key: boolean }
  /** A plain scalar without a comment: more-indented lines continue it. */
  | { t: 'plain'; owner: number; rootKey?: boolean }
  /** A block scalar: its content lines follow. */
  | { t: 'block'; owner: number }
  /** A quoted scalar not closed on its first line: more-indented lines continue it until the quote closes. */
  | { t: 'quoted'; owner: number; q: '"' | "'" };

/**
 * Checks the document in `text` between `start` and `end` (whole lines; no `---` line inside) and
 * returns its apiVersion and kind when it is certainly a valid single Kubernetes object of the
 * subset above, else undefined.
 */
export function skimDocument(text: string, start: number, end: number): Skimmed | undefined {
  const stack: Ctx[] = [];
  let tail: Tail = { t: 'none' };
  let apiVersion: string | undefined;
  let kind: string | undefined;
  // Block scalar state.
  let blockIndent = -1;
  let blockLeadingMax = 0;
  let blockHasContent = false;

  let pos = start;
  while (pos < end) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0 || nl >= end) nl = end;
    let lineEnd = nl;
    if (lineEnd > pos && text.charCodeAt(lineEnd - 1) === 13) lineEnd--;
    const lineStart = pos;
    pos = nl + 1;
    // Characters the subset does not handle: tabs, other control characters, a BOM, a stray CR.
    for (let i = lineStart; i < lineEnd; i++) {
      const c = text.charCodeAt(i);
      if (c < 0x20 || c === 0x7f || (c >= 0x80 && c <= 0x9f) || c === 0xfeff || (c >= 0xd800 && c <= 0xdfff)) return undefined;
    }
    let indent = 0;
    while (lineStart + indent < lineEnd && text.charCodeAt(lineStart + indent) === 32) indent++;
    const blank = lineStart + indent === lineEnd;

    if (tail.t === 'block') {
      if (blank) {
        if (!blockHasContent) blockLeadingMax = Math.max(blockLeadingMax, lineEnd - lineStart);
        continue;
      }
      if (indent > tail.owner) {
        if (!blockHasContent) {
          blockIndent = indent;
          blockHasContent = true;
          if (blockLeadingMax > blockIndent) return undefined;
        } else if (indent < blockIndent) return undefined;
        continue;
      }
      if (!blockHasContent) return undefined;
      tail = { t: 'none' };
    }
    if (tail.t === 'quoted') {
      if (blank) continue;
      if (indent <= tail.owner) return undefined;
      const line = text.slice(lineStart + indent, lineEnd);
      const endQ = quotedEnd(line, -1, tail.q);
      if (endQ === -2) return undefined;
      if (endQ >= 0) {
        if (!restIsComment(line, endQ)) return undefined;
        tail = { t: 'none' };
      }
      continue;
    }
    if (blank) continue;
    const first = text.charCodeAt(lineStart + indent);
    if (first === 35 /* # */) {
      // A comment line ends a plain scalar; text after it may not continue the scalar.
      if (tail.t === 'plain') tail = { t: 'none' };
      continue;
    }
    if (indent === 0 && (first === 37 /* % */ || text.startsWith('---', lineStart) || text.startsWith('...', lineStart))) return undefined;
    const line = text.slice(lineStart + indent, lineEnd);

    if (tail.t === 'plain') {
      if (indent > tail.owner) {
        if (tail.rootKey || !plainSafe(line, true)) return undefined;
        continue;
      }
      tail = { t: 'none' };
    }

    let col = indent;
    let rest = line;
    if (tail.t === 'pending') {
      const p = tail;
      tail = { t: 'none' };
      const isDash = rest === '-' || rest.startsWith('- ');
      if (indent > p.owner || (p.key && indent === p.owner && isDash)) {
        if (isDash) stack.push({ type: 'seq', indent });
        else if (keyOf(rest) !== undefined) stack.push({ type: 'map', indent, keys: new Set() });
        else {
          // A scalar on its own line.
          const v = scalarValue(rest, p.owner);
          if (!v) return undefined;
          tail = v;
          continue;
        }
      }
    }
    if (stack.length === 0) {
      if (indent !== 0 || keyOf(rest) === undefined) return undefined;
      stack.push({ type: 'map', indent: 0, keys: new Set() });
    }
    while (stack.length && stack[stack.length - 1].indent > indent) stack.pop();
    let top = stack[stack.length - 1];
    if (!top || top.indent !== indent) return undefined;
    if (top.type === 'seq' && !(rest === '-' || rest.startsWith('- '))) {
      // A key after a sequence that was the value of the map's previous key, at the same column.
      stack.pop();
      top = stack[stack.length - 1];
      if (!top || top.type !== 'map' || top.indent !== indent) return undefined;
    }
    // Sequence entries, possibly starting a map (`- name: x`).
    while (top.type === 'seq') {
      if (rest === '-') {
        tail = { t: 'pending', owner: col, key: false };
        break;
      }
      // rest starts with '- '
      let k = 1;
      while (k < rest.length && rest.charCodeAt(k) === 32) k++;
      const dashCol = col;
      col += k;
      rest = rest.slice(k);
      if (rest === '' || rest.startsWith('#')) {
        tail = { t: 'pending', owner: dashCol, key: false };
        break;
      }
      if (rest === '-' || rest.startsWith('- ')) return undefined;
      if (keyOf(rest) !== undefined) {
        top = { type: 'map', indent: col, keys: new Set() };
        stack.push(top);
        break;
      }
      const v = scalarValue(rest, dashCol);
      if (!v) return undefined;
      tail = v;
      break;
    }
    if (top.type !== 'map') continue;
    // A key line of the map `top`.
    const key = keyOf(rest);
    if (key === undefined) return undefined;
    if (top.keys!.has(key.name)) return undefined;
    top.keys!.add(key.name);
    let v = rest.slice(key.length);
    let s = 0;
    while (s < v.length && v.charCodeAt(s) === 32) s++;
    v = v.slice(s);
    if (v === '' || (s > 0 && v.startsWith('#'))) {
      tail = { t: 'pending', owner: top.indent, key: true };
      if (stack.length === 1 && (key.name === 'apiVersion' || key.name === 'kind')) return undefined;
      continue;
    }
    const value = scalarValue(v, top.indent);
    if (!value) return undefined;
    tail = value;
    if (stack.length === 1 && (key.name === 'apiVersion' || key.name === 'kind')) {
      if (value.t === 'block') return undefined;
      const str = simpleString(v);
      if (str === undefined) return undefined;
      // A plain value continued on the next line is not the simple string it looks like.
      if (value.t === 'plain') tail = { ...value, rootKey: true };
      if (key.name === 'apiVersion') apiVersion = str;
      else kind = str;
    }
    if (value.t === 'block') {
      blockIndent = -1;
      blockLeadingMax = 0;
      blockHasContent = false;
    }
  }
  if ((tail.t === 'block' && !blockHasContent) || tail.t === 'quoted') return undefined;
  if (apiVersion === undefined || kind === undefined) return undefined;
  return { apiVersion, kind };
}

/** A scalar value standing at the start of `v`: what may follow it, or undefined when unsure. */
function scalarValue(v: string, owner: number): Tail | undefined {
  const c = v[0];
  if (c === '|' || c === '>') return /^[|>][-+]?(?: +#.*)? *$/.test(v) ? { t: 'block', owner } : undefined;
  if (c === '"' || c === "'") {
    const endQ = quotedEnd(v, 0, c);
    if (endQ === -1) return { t: 'quoted', owner, q: c };
    return endQ >= 0 && restIsComment(v, endQ) ? { t: 'none' } : undefined;
  }
  if (c === '[' || c === '{') {
    const r = flow(v, 0);
    return r >= 0 && restIsComment(v, r) ? { t: 'none' } : undefined;
  }
  if (INDICATOR.has(c) && !((c === '-' || c === ':' || c === '?') && v.length > 1 && v[1] !== ' ')) return undefined;
  if (c === '?' || c === ':') return undefined;
  const hash = v.indexOf(' #');
  const body = hash >= 0 ? v.slice(0, hash) : v;
  if (!plainSafe(body, false)) return undefined;
  return hash >= 0 ? { t: 'none' } : { t: 'plain', owner };
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
  // A continuation line may start with a quote or backquote (it is inside the scalar); other indicators stay out.
  if (continuation && ((INDICATOR.has(s[0]) && s[0] !== '"' && s[0] !== "'" && s[0] !== '`') || s.startsWith('---') || s.startsWith('...'))) return false;
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
