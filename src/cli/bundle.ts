/**
 * Build step (`npm run build`, after tsc): bundles the CLI into one CommonJS file,
 * dist/bundle/main.cjs, with esbuild, and writes V8's code cache for it (main.cjs.cache) from a
 * warm-up run on the bundled examples. A run then reads two files instead of resolving and linking
 * a hundred ES modules (yaml and commander included), and most functions it calls arrive compiled.
 * bin/kharden.js takes the bundle when it is at least as new as dist/src/cli/main.js and falls back
 * to dist/src otherwise (a `tsc` without this step, or no esbuild installed). execa (exec plugins
 * only) is a file of its own beside it, loaded on first use.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { packageRoot } from '../io/profiles.js';

export const BUNDLE_FILE = 'dist/bundle/main.cjs';

export async function bundle(root = packageRoot()): Promise<boolean> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    process.stderr.write('kharden build: esbuild is not installed; bin/kharden.js will load dist/src (slower start-up)\n');
    return false;
  }
  const outfile = path.join(root, BUNDLE_FILE);
  fs.rmSync(path.dirname(outfile), { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [path.join(root, 'dist/src/cli/main.js')],
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile,
    // Whitespace only: stack traces (KHARDEN_DEBUG) keep their names.
    minifyWhitespace: true,
    logLevel: 'warning',
    // import() inside code run from a V8 code cache has no module loader to call (Node 20), so the
    // bundle loads its one dependency kept outside, execa, by require() from a CommonJS build of it.
    supported: { 'dynamic-import': false },
    // The one import.meta.url in the CLI finds the package root by walking up from the module.
    define: { 'import.meta.url': '__khardenModuleUrl' },
    banner: { js: "const __khardenModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
    plugins: [
      {
        name: 'execa-beside',
        setup(b) {
          b.onResolve({ filter: /^execa$/ }, () => ({ path: './execa.cjs', external: true }));
        },
      },
      {
        // commander requires child_process (and with it net and the streams stack) at load time,
        // for executable subcommands, which kharden has none of: it gets a proxy that loads it on
        // first use. Only commander: an ES module importing a CommonJS proxy (no own keys) would
        // see its named imports undefined.
        name: 'lazy-child-process-for-commander',
        setup(b) {
          b.onResolve({ filter: /^(node:)?child_process$/ }, (args) =>
            /node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined,
          );
          b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
            contents: `let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= require(${JSON.stringify(`node:${args.path}`)}))[k] });`,
            loader: 'js',
          }));
        },
      },
    ],
  });
  // Exec plugins only: a file of its own, read on first use.
  await esbuild.build({
    stdin: { contents: "export { execa } from 'execa';", resolveDir: root, loader: 'js' },
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    outfile: path.join(path.dirname(outfile), 'execa.cjs'),
    minifyWhitespace: true,
    logLevel: 'warning',
  });
  writeCodeCache(root);
  return true;
}

/**
 * A warm-up run of the bundle through the bin on the bundled examples, which writes V8's code
 * cache at exit: the functions a hardening run compiles are in it. A cache V8 rejects later (another
 * Node version) only costs the compile it would have saved.
 */
function writeCodeCache(root: string): void {
  const cache = path.join(root, `${BUNDLE_FILE}.cache`);
  const r = spawnSync(process.execPath, [path.join(root, 'bin/kharden.js'), '-q', path.join(root, 'examples')], {
    cwd: root,
    env: { ...process.env, KHARDEN_CODE_CACHE_OUT: cache, KHARDEN_BUNDLE: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
    timeout: 120_000,
  });
  if (!fs.existsSync(cache)) process.stderr.write(`kharden build: no code cache written (exit ${r.status}): ${r.stderr || r.error?.message || ''}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  await bundle();
}
