/**
 * runExecPlugin with real tiny plugins (node scripts in exec-plugins/): the KRM protocol on
 * stdin/stdout, env and args, functionConfig, changes derived as JSON Patch, results passed on;
 * and every way a plugin can fail stops the run with a typed error (exit 2 in the CLI).
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { ExecDroppedResourceError, ExecExitError, ExecOutputError, ExecPluginError, ExecTimeoutError, ITEM_ANNOTATION, runExecPlugin } from '../../src/exec/plugin.js';
import type { ExecSpec } from '../../src/profiles/exec-entry.js';
import { UsageError } from '../../src/lib/errors.js';
import { applyPatchOperation, cloneJson } from '../../src/core/patch.js';
import type { JsonObject } from '../../src/core/types.js';

const PLUGINS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'exec-plugins');

const spec = (command: string, more: Partial<ExecSpec> = {}): ExecSpec => ({
  id: `exec:${command}`,
  command,
  args: [],
  env: { LABEL_KEY: 'team', LABEL_VALUE: 'web' },
  timeoutSeconds: 20,
  baseDir: PLUGINS,
  source: 'profile test.yaml:3',
  ...more,
});

const ITEMS: JsonObject[] = [
  { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web', namespace: 'shop', labels: { app: 'web' } }, spec: { replicas: 2 } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'shop', annotations: { note: 'x' } }, spec: { ports: [{ port: 80 }] } },
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { a: '1' } },
];

describe('a plugin that works', () => {
  test('gets the items (env and args as given), returns them changed; changes are JSON Patch that rebuild its output', async () => {
    const given = cloneJson(ITEMS);
    const out = await runExecPlugin(spec('./add-label.mjs'), given);
    expect(given).toEqual(ITEMS);
    expect(out.items.map((i) => (i.metadata as any).labels.team)).toEqual(['web', 'web', 'web']);
    // kharden's item annotation never leaks into what comes back.
    expect(JSON.stringify(out.items)).not.toContain(ITEM_ANNOTATION);
    expect(out.items[1].metadata).toEqual({ name: 'web', namespace: 'shop', annotations: { note: 'x' }, labels: { team: 'web' } });
    expect(out.changes.map((c) => c.inputIndex)).toEqual([0, 1, 2]);
    expect(out.changes[0].patch).toEqual([{ op: 'add', path: '/metadata/labels/team', value: 'web' }]);
    expect(out.changes[1].patch).toEqual([{ op: 'add', path: '/metadata/labels', value: { team: 'web' } }]);
    out.changes.forEach((c, j) => {
      const rebuilt = cloneJson(ITEMS[c.inputIndex!]);
      for (const op of c.patch) applyPatchOperation(rebuilt, op);
      expect(rebuilt).toEqual(out.items[j]);
    });
    expect(out.results).toEqual([{ message: 'labelled 3 item(s)', severity: 'info', tags: { plugin: 'exec:./add-label.mjs' } }]);
  });

  test('functionConfig reaches the plugin; added resources come back without an input index', async () => {
    const fc = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { note: 'hello' } };
    const out = await runExecPlugin(spec('./add-label.mjs', { args: ['--add-policy'] }), ITEMS, fc);
    expect(out.items).toHaveLength(4);
    expect(out.changes[3]).toEqual({ inputIndex: undefined, patch: [] });
    expect(out.items[3].kind).toBe('NetworkPolicy');
    expect(out.results[0].message).toBe('labelled 4 item(s); note: hello');
  });

  test('items are matched by identity when the plugin drops kharden\'s annotation, and in any order', async () => {
    const out = await runExecPlugin(spec('./add-label.mjs', { env: { LABEL_KEY: 'k', LABEL_VALUE: 'v', STRIP_TAG: '1', REVERSE: '1' } }), ITEMS);
    expect(out.changes.map((c) => c.inputIndex)).toEqual([2, 1, 0]);
    expect(out.items[0].metadata).toEqual({ name: 'settings', labels: { k: 'v' } });
  });

  test('a bare command name is looked up on the PATH', async () => {
    const out = await runExecPlugin(spec('node', { args: [path.join(PLUGINS, 'add-label.mjs')] }), ITEMS);
    expect(out.items).toHaveLength(3);
  });
});

describe('a plugin that fails stops the run with a typed error naming the plugin and the profile line', () => {
  test('exit 1: its stderr and its error results are in the message', async () => {
    const e = await runExecPlugin(spec('./exit-1.mjs'), ITEMS).catch((x) => x);
    expect(e).toBeInstanceOf(ExecExitError);
    expect(e).toBeInstanceOf(UsageError);
    expect(e.message).toBe('exec plugin exec:./exit-1.mjs (profile test.yaml:3): exited with code 1: cannot reach the policy server; policy server unreachable; nothing was written');
  });

  test('a hang: stopped after timeoutSeconds, even when it ignores SIGTERM', async () => {
    const e = await runExecPlugin(spec('./hang.mjs', { timeoutSeconds: 1 }), ITEMS).catch((x) => x);
    expect(e).toBeInstanceOf(ExecTimeoutError);
    expect(e.message).toContain('did not finish within 1s (exec.timeoutSeconds) and was stopped');
  });

  test('a dropped resource', async () => {
    const e = await runExecPlugin(spec('./drop.mjs'), ITEMS).catch((x) => x);
    expect(e).toBeInstanceOf(ExecDroppedResourceError);
    expect(e.message).toContain('dropped 1 resource(s) it was given: Deployment shop/web');
  });

  test('garbage on stdout', async () => {
    const e = await runExecPlugin(spec('./garbage.mjs'), ITEMS).catch((x) => x);
    expect(e).toBeInstanceOf(ExecOutputError);
    expect(e.message).toMatch(/printed (invalid YAML \(.*\)|a document that), not a ResourceList \(stdout began: "Hello! I processed your files/);
  });

  test('a command that does not exist', async () => {
    const e = await runExecPlugin(spec('./no-such-plugin'), ITEMS).catch((x) => x);
    expect(e).toBeInstanceOf(ExecPluginError);
    expect(e.message).toContain(`cannot run ${path.join(PLUGINS, 'no-such-plugin')}: no such program`);
  });
});
