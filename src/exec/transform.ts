/**
 * An exec plugin as a stream transform: it is given every resource of the run (input and generated
 * so far), its changes come back as JSON Patch edits attributed to it, the resources it adds are
 * generated resources, and its results become findings. The one place where edits are derived
 * (by comparing each resource before and after) rather than made.
 */
import { defineTransform } from '../core/types.js';
import type { StreamResource, Transform } from '../core/types.js';
import type { ExecSpec } from '../profiles/exec-entry.js';

export function execTransform(spec: ExecSpec): Transform {
  return defineTransform({
    id: spec.id,
    summary: `external transform: ${[spec.command, ...spec.args].join(' ')}`,
    reason: `declared in ${spec.source}`,
    docs: 'https://kubectl.docs.kubernetes.io/guides/extending_kustomize/containerized_krm_functions/',
    scope: 'stream',
    options: {},
    messages: { execResult: { severity: 'info', title: 'a result reported by an exec plugin' } },
    async run(target, ctx) {
      // Loaded when a plugin runs: execa is not paid for by runs without one.
      const { runExecPlugin } = await import('./plugin.js');
      const out = await runExecPlugin(spec, target.resources.map((r) => r.value as never));
      out.changes.forEach((change, i) => {
        if (change.inputIndex === undefined) {
          ctx.generate(out.items[i], `added by the exec plugin ${spec.id}`);
          return;
        }
        const on = ctx.on(target.resources[change.inputIndex]);
        for (const op of change.patch) on.patch({ ...op, reason: `changed by the exec plugin ${spec.id}` });
      });
      const byRef = (ref: { kind?: string; name?: string; namespace?: string } | undefined): StreamResource | undefined =>
        ref ? target.resources.find((r) => r.ref.kind === ref.kind && r.ref.name === ref.name && (r.ref.namespace ?? '') === (ref.namespace ?? '')) : undefined;
      for (const r of out.results) {
        const resource = byRef(r.resourceRef);
        ctx.report({ code: 'execResult', severity: r.severity, message: r.message, ...(resource ? { resource } : {}) });
      }
    },
  });
}
