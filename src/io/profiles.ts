import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../lib/errors.js';
import type { ProfileLoader } from '../profiles/resolve.js';

/** The package root: dist/src/io → ../../.. ; src/io (under vitest) → ../.. */
export function packageRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!fs.existsSync(path.join(dir, 'package.json'))) {
    const up = path.dirname(dir);
    if (up === dir) throw new Error('cannot find the kharden package root');
    dir = up;
  }
  return dir;
}

export function builtinProfiles(): string[] {
  return fs.readdirSync(path.join(packageRoot(), 'profiles')).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5)).sort();
}

/** A name without a slash or extension is a built-in profile; anything else is a file (relative to the profile that references it). */
export const loadProfileFile: ProfileLoader = (ref, from) => {
  const looksLikeName = /^[a-z0-9-]+$/.test(ref);
  if (looksLikeName) {
    const file = path.join(packageRoot(), 'profiles', `${ref}.yaml`);
    if (fs.existsSync(file)) return { name: `builtin:${ref}`, text: fs.readFileSync(file, 'utf8') };
    if (!fs.existsSync(ref)) throw new UsageError(`unknown profile "${ref}" (built-in: ${builtinProfiles().join(', ')}; or give a file path)`);
  }
  const base = from && !from.startsWith('builtin:') ? path.dirname(from) : process.cwd();
  const file = path.resolve(base, ref);
  try {
    return { name: path.relative(process.cwd(), file) || file, text: fs.readFileSync(file, 'utf8') };
  } catch (e) {
    throw new UsageError(`cannot read profile ${ref}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
};
