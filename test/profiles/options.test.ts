/**
 * Options are checked once, when the profile is read, against the schema each transform declares:
 * a wrong value is a profile error naming the file and line, never a failure inside a run.
 */
import { describe, expect, test } from 'vitest';
import YAML from 'yaml';
import { renderResolvedProfile, resolveProfile } from '../../src/profiles/resolve.js';
import type { ProfileLoader } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { UsageError } from '../../src/lib/errors.js';

/** Profiles from memory; built-in names still come from profiles/. */
function loader(files: Record<string, string>): ProfileLoader {
  return (ref, from) => (files[ref] !== undefined ? { name: ref, text: files[ref] } : loadProfileFile(ref, from));
}

const withOption = (id: string, options: string) => `apiVersion: kharden.dev/v1alpha1
kind: Profile
name: mine
extends: restricted
transforms:
  - id: ${id}
    options:
${options}`;

describe('option values are refused when the profile is read, naming the file and line', () => {
  test.each([
    ['run-as-non-root', '      uid: 0\n', /profile team\.yaml:8: run-as-non-root: option uid: must be an integer 1-2147483647, found 0/],
    ['run-as-non-root', '      gid: "1000"\n', /profile team\.yaml:8: run-as-non-root: option gid: must be an integer, found string "1000"/],
    ['set-seccomp-runtime-default', '      type: Unconfined\n', /profile team\.yaml:8: set-seccomp-runtime-default: option type: must be one of RuntimeDefault, found "Unconfined"/],
    ['drop-all-capabilities', '      keep: [NET_BIND_SERVICE, SYS_ADMIN]\n', /profile team\.yaml:8: drop-all-capabilities: option keep\.1: "SYS_ADMIN" is not a capability the baseline Pod Security level allows/],
    ['read-only-root-filesystem', '      sizeLimit: 256MB\n', /profile team\.yaml:8: read-only-root-filesystem: option sizeLimit: "256MB" is not a Kubernetes quantity/],
    ['set-memory-limits', '      defaultMemoryLimit: 0\n', /option defaultMemoryLimit: must be a string, found number 0/],
    ['set-memory-limits', '      memoryLimit: 1Gi\n', /profile team\.yaml:8: set-memory-limits: option memoryLimit: unknown option "memoryLimit" \(known: defaultMemoryLimit, defaultMemoryRequest, cpuRequest, limitToRequestRatio\)/],
  ])('%s %s', async (id, options, message) => {
    const error = await resolveProfile('team.yaml', loader({ 'team.yaml': withOption(id, options) })).catch((e) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  test('the line is the option key\'s own line, in the file that sets it', async () => {
    const text = withOption('run-as-non-root', '      gid: 1000\n      uid: -5\n');
    const error = await resolveProfile('team.yaml', loader({ 'team.yaml': text })).catch((e) => e);
    expect((error as Error).message).toMatch(/^profile team\.yaml:9: run-as-non-root: option uid/);
  });

  test('valid values pass and reach the chain with the defaults filled in', async () => {
    const p = await resolveProfile('team.yaml', loader({ 'team.yaml': withOption('run-as-non-root', '      uid: 10001\n') }));
    expect(p.chain.find((l) => l.id === 'run-as-non-root')!.options).toEqual({ uid: 10001, gid: 65532 });
  });

  test('top-level settings are checked too: nodeAgents, podTemplateLocations.podSecurityContext', async () => {
    const bad = await resolveProfile('p.yaml', loader({ 'p.yaml': 'extends: restricted\nnodeAgents: sometimes\n' })).catch((e) => e);
    expect((bad as Error).message).toMatch(/profile p\.yaml:2:\d+: `nodeAgents` must be keep/);
    const loc = await resolveProfile('p.yaml', loader({ 'p.yaml': 'extends: restricted\npodTemplateLocations:\n  - {apiVersion: serving.knative.dev/*, kinds: [Service], path: /spec/template, podSecurityContext: no}\n' })).catch((e) => e);
    expect((loc as Error).message).toMatch(/profile p\.yaml:3:\d+: `podSecurityContext` must be allowed or forbidden/);
  });
});

describe('kharden --print-profile (renderResolvedProfile)', () => {
  test('shows every transform of the resolved profile in order, with every option value, defaults included', async () => {
    const p = await resolveProfile('team.yaml', loader({ 'team.yaml': withOption('run-as-non-root', '      uid: 10001\n') + 'exclude:\n  - "kind=DaemonSet;namespace=kube-system"\n' }));
    const printed = YAML.parse(renderResolvedProfile(p));
    expect(printed.kind).toBe('Profile');
    expect(printed.nodeAgents).toBe('keep');
    expect(printed.transforms.map((t: { id: string }) => t.id)).toEqual(p.chain.map((l) => l.id));
    expect(printed.transforms.find((t: { id: string }) => t.id === 'run-as-non-root').options).toEqual({ uid: 10001, gid: 65532 });
    expect(printed.transforms.find((t: { id: string }) => t.id === 'set-memory-limits').options).toEqual({ defaultMemoryLimit: '512Mi', defaultMemoryRequest: '128Mi', cpuRequest: null, limitToRequestRatio: 2 });
    expect(printed.exclude).toEqual([{ kinds: ['DaemonSet'], namespaces: ['kube-system'] }]);
    expect(renderResolvedProfile(p)).toMatch(/# from profile team\.yaml:\d+\n\s+- kinds:/);
    // What it prints is itself a profile kharden reads back to the same chain.
    const again = await resolveProfile('printed.yaml', loader({ 'printed.yaml': renderResolvedProfile(p) }));
    expect(again.chain.map((l) => [l.id, l.options])).toEqual(p.chain.map((l) => [l.id, l.options]));
  });
});
