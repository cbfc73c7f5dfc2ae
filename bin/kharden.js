#!/usr/bin/env node
// Tiny shim: everything lives in dist/ (built by `npm ci` through the prepare script). The bundle
// (dist/bundle/, made by `npm run build`) starts faster; it is used when it is not older than
// dist/src, so a plain `tsc` rebuild is never shadowed by a stale bundle.
import { statSync } from 'node:fs';

const dist = new URL('../dist/', import.meta.url);
const mtime = (p) => {
  try {
    return statSync(new URL(p, dist)).mtimeMs;
  } catch {
    return -1;
  }
};
const bundled = mtime('bundle/main.js');
// KHARDEN_BUNDLE=0 runs dist/src, for a stack trace that names the source files.
const useBundle = process.env.KHARDEN_BUNDLE !== '0' && bundled >= 0 && bundled >= mtime('src/cli/main.js');
const { main } = await import(useBundle ? '../dist/bundle/main.js' : '../dist/src/cli/main.js');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`kharden: internal error: ${err && err.message ? err.message : String(err)}\n`);
    process.exitCode = 3;
  },
);
