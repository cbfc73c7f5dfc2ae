/**
 * kharden as a kustomize *legacy exec plugin*, the kind `kubectl kustomize --enable-alpha-plugins`
 * runs (kubectl's kustomize has no --enable-exec for KRM functions):
 *
 *   $KUSTOMIZE_PLUGIN_HOME/kharden.dev/v1alpha1/profile/Profile CONFIG  < resources  > hardened
 *
 * kustomize finds the executable by the config's apiVersion and kind, passes the config file
 * (a Profile object, re-serialized by kustomize) as the first argument, then the words of the
 * config's `argsOneLiner`, and the resources on stdin. `kharden kustomize-plugin --install`
 * writes that executable: a two-line shell script that calls this kharden.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { InputError, TransformError, UsageError } from '../lib/errors.js';
import { hardenFiles } from '../core/engine.js';
import { printDocuments } from '../yaml/print.js';
import { hardenOptionsOf, messagesOf } from '../profiles/resolve.js';
import { joinStream } from '../yaml/join.js';
import { isPlainObject } from '../lib/json.js';
import type { JsonObject } from '../core/types.js';
import { PROFILE_API_VERSION } from '../krm/function-config.js';
import { packageRoot } from '../io/profiles.js';
import { readStdin, writeAllOrNothing } from '../io/files.js';
import { decodeInput } from '../yaml/stream.js';
import { buildReport, renderJson, renderText } from '../report/build.js';
import { summarizePss } from '../report/pss-summary.js';
import { profileOf } from './krm.js';

/** Where kustomize looks for the plugin, under its plugin home: <group>/<version>/<lowercased kind>/<Kind>. */
export const PLUGIN_PATH = path.join(...PROFILE_API_VERSION.split('/'), 'profile', 'Profile');
/** Keys of the config that are kustomize's (it reads them to build the argument list), not the profile's. */
const KUSTOMIZE_KEYS = ['argsOneLiner', 'argsFromFile'];

const USAGE = `Usage:
  kharden kustomize-plugin CONFIG [--report FILE] [-q]     (run by kustomize: resources on stdin, hardened on stdout)
  kharden kustomize-plugin --install [DIR] [--command CMD] (write the plugin executable under DIR)

DIR defaults to $KUSTOMIZE_PLUGIN_HOME, else $XDG_CONFIG_HOME/kustomize/plugin, else ~/.config/kustomize/plugin.
The executable calls this kharden by its absolute path; --command CMD makes it call CMD instead
(e.g. --command kharden, found on the PATH when kustomize runs).
`;

export async function kustomizePluginMain(argv: string[], version: string): Promise<number> {
  try {
    if (argv.includes('--help') || argv.includes('-h') || argv.length === 0) {
      (argv.length === 0 ? process.stderr : process.stdout).write(USAGE);
      return argv.length === 0 ? 2 : 0;
    }
    if (argv[0] === '--install') return install(argv.slice(1));
    return await runAsPlugin(argv, version);
  } catch (e) {
    if (e instanceof InputError || e instanceof UsageError) {
      process.stderr.write(`kharden: error: ${e.message}\n`);
      return 2;
    }
    const msg = e instanceof TransformError ? e.message : e instanceof Error ? e.message : String(e);
    process.stderr.write(`kharden: internal error: ${msg}; nothing was written\n`);
    return 3;
  }
}

function install(args: string[]): number {
  let dir: string | undefined;
  let command: string | undefined;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === '--command') {
      command = args[++i];
      if (!command) throw new UsageError('--command needs a command (e.g. kharden)');
    } else if (args[i].startsWith('-')) throw new UsageError(`unknown option ${args[i]}\n${USAGE}`);
    else if (dir === undefined) dir = args[i];
    else throw new UsageError(`one plugin directory only\n${USAGE}`);
  }
  const home = dir ?? defaultPluginHome();
  const target = path.join(home, PLUGIN_PATH);
  const call = command ? command.split(/\s+/).map(shellQuote).join(' ') : `${shellQuote(process.execPath)} ${shellQuote(path.join(packageRoot(), 'bin', 'kharden.js'))}`;
  const script = `#!/bin/sh\n# kharden as a kustomize exec plugin for ${PROFILE_API_VERSION} Profile (written by kharden kustomize-plugin --install)\nexec ${call} kustomize-plugin "$@"\n`;
  fs.mkdirSync(path.dirname(target), { recursive: true });
  writeAllOrNothing([{ target, text: script, mode: 0o755 }]);
  process.stdout.write(`${target}\nRun: KUSTOMIZE_PLUGIN_HOME=${shellQuote(path.resolve(home))} kubectl kustomize --enable-alpha-plugins DIR\n`);
  return 0;
}

function defaultPluginHome(): string {
  if (process.env.KUSTOMIZE_PLUGIN_HOME) return process.env.KUSTOMIZE_PLUGIN_HOME;
  const config = process.env.XDG_CONFIG_HOME || path.join(os.homedir(), '.config');
  return path.join(config, 'kustomize', 'plugin');
}

function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./:=@+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

async function runAsPlugin(argv: string[], version: string): Promise<number> {
  const [configFile, ...rest] = argv;
  let report: string | undefined;
  let quiet = false;
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--report') report = rest[++i];
    else if (rest[i] === '-q' || rest[i] === '--quiet') quiet = true;
    else throw new UsageError(`kustomize plugin: unknown argument ${JSON.stringify(rest[i])} (from argsOneLiner?); known: --report FILE, -q`);
  }
  const config = readConfig(configFile);
  // kustomize runs the plugin in the kustomization's directory and says so; relative profile paths are relative to it.
  const baseDir = process.env.KUSTOMIZE_PLUGIN_CONFIG_ROOT || path.dirname(path.resolve(configFile));
  const meta = isPlainObject(config.value.metadata) ? config.value.metadata : {};
  const what = `kustomize plugin config ${String(config.value.kind)}/${String(meta.name ?? '')}`;
  const profile = await profileOf({ functionConfig: config.value, functionConfigText: config.text }, 'restricted', baseDir, what);
  const text = decodeInput(await readStdin(), '<stdin>');
  const run = await hardenFiles([{ file: '<stdin>', text }], hardenOptionsOf(profile));
  const result = run.files[0];
  // kustomize shows a plugin's stderr only when it fails, so warnings are written for that case and for -v runs.
  if (!quiet) for (const f of result.findings) if (!f.resource && f.severity === 'warning') process.stderr.write(`kharden: warning: document ${f.document}: ${f.message}\n`);
  if (report) {
    const r = buildReport(run, { version, profile: profile.name, pss: summarizePss, messages: messagesOf(profile), generatedFiles: run.generated.map(() => '<stdout>') });
    writeAllOrNothing([{ target: path.resolve(baseDir, report), text: report.endsWith('.json') ? renderJson(r) : renderText(r) }]);
  }
  // Generated resources (NetworkPolicies, ServiceAccounts…) join the stream kustomize reads back.
  const generated = run.generated.length ? printDocuments(run.generated.map((g) => ({ value: g.value, comment: `Generated by kharden (${g.transform}): ${g.reason}` }))) : '';
  process.stdout.write(joinStream([result.output, generated]));
  return 0;
}

/** The plugin config: a Profile object; kustomize's own keys are set aside before it is read as a profile. */
function readConfig(file: string): { value: JsonObject; text: string } {
  let raw: string;
  try {
    raw = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the plugin config ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const doc = parseDocument(raw, { version: '1.1', uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length) throw new UsageError(`plugin config ${file}: ${doc.errors[0].message.split('\n')[0]}`);
  const value = doc.toJS() as unknown;
  if (!isPlainObject(value)) throw new UsageError(`plugin config ${file}: expected a ${PROFILE_API_VERSION} Profile object`);
  for (const k of KUSTOMIZE_KEYS) doc.delete(k);
  for (const k of KUSTOMIZE_KEYS) delete (value as JsonObject)[k];
  return { value: value as JsonObject, text: doc.toString() };
}
