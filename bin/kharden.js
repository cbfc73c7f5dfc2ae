#!/usr/bin/env node
'use strict';
// Tiny shim (CommonJS, see bin/package.json: it starts without Node's ES module loader). Everything
// lives in dist/, built by `npm ci` through the prepare script. The bundle (dist/bundle/main.cjs,
// made by `npm run build`) starts faster, with V8's code cache beside it; it is used when it is not
// older than dist/src, so a plain `tsc` rebuild is never shadowed by a stale bundle.
// KHARDEN_BUNDLE=0 runs dist/src, for a stack trace that names the source files.
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const mtime = (p) => {
  try {
    return fs.statSync(path.join(dist, p)).mtimeMs;
  } catch {
    return -1;
  }
};

function loadBundle(file) {
  const vm = require('node:vm');
  const Module = require('node:module');
  const cacheOut = process.env.KHARDEN_CODE_CACHE_OUT;
  let cachedData;
  try {
    if (!cacheOut) cachedData = fs.readFileSync(`${file}.cache`);
  } catch {
    cachedData = undefined;
  }
  const script = new vm.Script(Module.wrap(fs.readFileSync(file, 'utf8')), { filename: file, cachedData });
  const module = { exports: {} };
  script.runInThisContext()(module.exports, Module.createRequire(file), module, file, path.dirname(file));
  // Build time only (src/cli/bundle.ts): after a warm-up run the cache holds what it compiled.
  if (cacheOut) process.on('exit', () => fs.writeFileSync(cacheOut, script.createCachedData()));
  return module.exports;
}

async function load() {
  const bundled = mtime('bundle/main.cjs');
  if (process.env.KHARDEN_BUNDLE !== '0' && bundled >= 0 && bundled >= mtime('src/cli/main.js')) return loadBundle(path.join(dist, 'bundle/main.cjs'));
  return import('../dist/src/cli/main.js');
}

load()
  .then(({ main }) => main(process.argv.slice(2)))
  .then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`kharden: internal error: ${err && err.message ? err.message : String(err)}\n`);
      process.exitCode = 3;
    },
  );
