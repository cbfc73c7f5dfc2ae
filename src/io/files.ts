/** File-system edges: finding inputs, reading them, and all-or-nothing atomic writes. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { InputError, UsageError } from '../lib/errors.js';
import { MAX_DOCUMENT_BYTES } from '../yaml/stream.js';
import { KUSTOMIZATION_FILES, kustomizePatchFiles } from './kustomize.js';

export const MANIFEST_EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface InputFile {
  /** Path as shown to the user. */
  file: string;
  /** Path relative to the argument it was found under (for -o mirroring). */
  relative: string;
  /** The directory argument it came from, or undefined for a file argument. */
  root?: string;
  /** The kustomization that names this file as a patch (a partial object, left untouched). */
  kustomizePatchOf?: string;
}

export interface WalkResult {
  files: InputFile[];
  warnings: string[];
}

/** Expands paths into manifest files: directories recursively, sorted, symlink loops and escapes skipped. */
export function collectInputs(args: string[], opts: { writing: boolean; inPlace?: boolean; exclude?: string }): WalkResult {
  const files: InputFile[] = [];
  const warnings: string[] = [];
  for (const arg of args) {
    let st: fs.Stats;
    try {
      st = fs.statSync(arg);
    } catch (e) {
      throw new InputError({ file: arg }, `cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : (e as Error).message}`);
    }
    if (st.isDirectory()) {
      const rootReal = fs.realpathSync(arg);
      walk(arg, rootReal, '', new Set([rootReal]), files, warnings, opts);
    } else files.push({ file: arg, relative: path.basename(arg) });
  }
  // Patch files of every kustomization met (and of the directory of each file argument).
  const dirs = new Set(files.map((f) => path.dirname(f.file)));
  const patches = new Map<string, string>();
  for (const dir of dirs) {
    const kustomization = KUSTOMIZATION_FILES.find((n) => fs.existsSync(path.join(dir, n)));
    for (const p of kustomizePatchFiles(dir)) if (!patches.has(p)) patches.set(p, path.join(dir, kustomization!));
  }
  const real = (f: string) => {
    try {
      return fs.realpathSync(f);
    } catch {
      return path.resolve(f);
    }
  };
  const seenReal = new Set<string>();
  const unique: InputFile[] = [];
  for (const f of files) {
    const r = real(f.file);
    // A file reached twice (a symbolic link and its target) is one input when writing in place.
    if (opts.inPlace) {
      if (seenReal.has(r)) continue;
      seenReal.add(r);
    }
    const of = patches.get(r);
    unique.push(of ? { ...f, kustomizePatchOf: of } : f);
  }
  return { files: unique, warnings };
}

function walk(dir: string, rootReal: string, rel: string, seen: Set<string>, out: InputFile[], warnings: string[], opts: { writing: boolean; exclude?: string }): void {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (e) {
    throw new InputError({ file: dir }, `cannot read directory: ${(e as Error).message}`);
  }
  names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  for (const name of names) {
    const full = path.join(dir, name);
    const relPath = rel ? path.join(rel, name) : name;
    let lst: fs.Stats;
    try {
      lst = fs.lstatSync(full);
    } catch (e) {
      throw new InputError({ file: full }, `cannot read: ${(e as Error).message}`);
    }
    let st = lst;
    if (lst.isSymbolicLink()) {
      let real: string;
      try {
        real = fs.realpathSync(full);
        st = fs.statSync(full);
      } catch (e) {
        warnings.push(`${full}: skipped: broken symbolic link`);
        continue;
      }
      if (opts.writing && !(real === rootReal || real.startsWith(rootReal + path.sep))) {
        warnings.push(`${full}: skipped: symbolic link points outside ${rootReal} (kharden never writes outside what it was given)`);
        continue;
      }
      if (st.isDirectory() && seen.has(real)) {
        warnings.push(`${full}: skipped: symbolic link loop`);
        continue;
      }
    }
    if (st.isDirectory()) {
      const real = fs.realpathSync(full);
      if (opts.exclude && real === opts.exclude) continue;
      if (seen.has(real)) {
        warnings.push(`${full}: skipped: symbolic link loop`);
        continue;
      }
      const nextSeen = new Set(seen).add(real);
      walk(full, rootReal, relPath, nextSeen, out, warnings, opts);
    } else if (st.isFile() && MANIFEST_EXTENSIONS.includes(path.extname(name).toLowerCase())) {
      out.push({ file: full, relative: relPath, root: dir });
    }
  }
}

const LIMIT = `${MAX_DOCUMENT_BYTES / 1048576} MiB per file`;
const tooLarge = (file: string, bytes?: number) =>
  new InputError({ file }, bytes === undefined ? `input is larger than the limit of ${LIMIT}` : `input is ${(bytes / 1048576).toFixed(0)} MiB; the limit is ${LIMIT}`);

export function readInput(file: string): Uint8Array {
  let bytes: Buffer;
  try {
    // Refused before it is read: reading first made a 1 GiB file cost a minute and 5 GB of memory.
    const size = fs.statSync(file).size;
    if (size > MAX_DOCUMENT_BYTES) throw tooLarge(file, size);
    bytes = fs.readFileSync(file);
  } catch (e) {
    if (e instanceof InputError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new InputError({ file }, code === 'EACCES' ? 'cannot read: permission denied' : `cannot read: ${(e as Error).message}`);
  }
  if (bytes.length > MAX_DOCUMENT_BYTES) throw tooLarge(file, bytes.length);
  return bytes;
}

export async function readStdin(stream: NodeJS.ReadableStream = process.stdin): Promise<Uint8Array> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    total += buf.length;
    // Stop reading at the limit instead of buffering an endless pipe.
    if (total > MAX_DOCUMENT_BYTES) throw tooLarge('<stdin>');
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

export interface PlannedWrite {
  target: string;
  text: string;
  /** Keep the original file's permissions when rewriting in place. */
  mode?: number;
}

/**
 * Writes every file or none: all contents go to temp files beside their targets first; only
 * when every temp file is written are they renamed over the targets (rename is atomic per file).
 */
export function writeAllOrNothing(writes: PlannedWrite[]): void {
  const staging = stageWrites();
  for (const w of writes) staging.stage(w);
  staging.commit();
}

/**
 * writeAllOrNothing one file at a time, for texts too large to hold together (the reports of a
 * big run): each `stage` writes a temp file at once, so its text can be dropped; `commit` renames
 * them all; a failed `stage` removes the temp files already written and throws, and `abort` does
 * the same for a caller that fails between stages.
 */
export function stageWrites(): { stage(w: PlannedWrite): void; commit(): void; abort(): void } {
  const staged: { tmp: string; target: string }[] = [];
  const abort = () => {
    for (const s of staged.splice(0)) fs.rmSync(s.tmp, { force: true });
  };
  return {
    abort,
    stage(w) {
      try {
        fs.mkdirSync(path.dirname(w.target), { recursive: true });
        const tmp = path.join(path.dirname(w.target), `.${path.basename(w.target)}.kharden-${process.pid}-${staged.length}.tmp`);
        fs.writeFileSync(tmp, w.text, { mode: w.mode ?? 0o644 });
        staged.push({ tmp, target: w.target });
        if (w.mode !== undefined) fs.chmodSync(tmp, w.mode);
      } catch (e) {
        abort();
        throw new UsageError(`cannot write output: ${(e as Error).message}; nothing was written`);
      }
    },
    commit() {
      for (const s of staged) fs.renameSync(s.tmp, s.target);
    },
  };
}

export function isInside(child: string, parent: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}
