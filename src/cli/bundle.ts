/**
 * Build step (`npm run build`, after tsc): bundles the CLI into dist/bundle/ with esbuild, so a
 * run loads a few files instead of a hundred modules (yaml and commander included). Code a run
 * may not need — exec plugins (execa), the diff package, each transform — stays in chunks loaded
 * on first use. bin/kharden.js takes the bundle when it is at least as new as dist/src/cli/main.js
 * and falls back to dist/src otherwise (a `tsc` without this step, or no esbuild installed).
 */
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';
import { packageRoot } from '../io/profiles.js';

export async function bundle(root = packageRoot()): Promise<boolean> {
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch {
    process.stderr.write('kharden build: esbuild is not installed; bin/kharden.js will load dist/src (slower start-up)\n');
    return false;
  }
  const outdir = path.join(root, 'dist/bundle');
  fs.rmSync(outdir, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: [path.join(root, 'dist/src/cli/main.js')],
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    outdir,
    logLevel: 'warning',
    // CommonJS dependencies (commander) call require() for node built-ins.
    banner: { js: "import { createRequire as __khardenCreateRequire } from 'node:module'; const require = __khardenCreateRequire(import.meta.url); const __khardenBuiltin = require;" },
    plugins: [
      {
        // Node's ESM facade of a built-in reads every export, and reading fs.ReadStream loads the
        // whole streams stack (~20 ms); require() does not. commander requires child_process at
        // load time and uses it only for executable subcommands, which kharden has none of.
        name: 'builtins-by-require',
        setup(b) {
          // esbuild keeps one module per (namespace, path), so the lazy child_process commander gets
          // lives in its own namespace: shared with execa, its proxy (no own keys) left execa's
          // named imports undefined.
          b.onResolve({ filter: /^[a-z_:/]+$/ }, (args) => {
            if (!isBuiltin(args.path)) return undefined;
            const lazy = /child_process$/.test(args.path) && /node_modules[\\/]commander[\\/]/.test(args.importer);
            return { path: args.path, namespace: lazy ? 'builtin-lazy' : 'builtin' };
          });
          b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
            contents: `module.exports = __khardenBuiltin(${JSON.stringify(args.path)});`,
            loader: 'js',
          }));
          b.onLoad({ filter: /.*/, namespace: 'builtin-lazy' }, (args) => ({
            contents: `let m; module.exports = new Proxy({}, { get: (_, k) => (m ??= __khardenBuiltin(${JSON.stringify(args.path)}))[k] });`,
            loader: 'js',
          }));
        },
      },
    ],
  });
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  await bundle();
}
