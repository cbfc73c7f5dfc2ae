import type { Edit, Finding, Target, Transform } from '../src/core/types.js';
import { ensure, isWindowsPod, listAt } from './util.js';

const norm = (c: unknown) => String(c).toUpperCase().replace(/^CAP_/, '');

const transform: Transform<{ keep: string[] }> = {
  id: 'drop-all-capabilities',
  summary: 'Drop ALL Linux capabilities and add back only the allowed ones (NET_BIND_SERVICE)',
  reason: 'Capabilities split root into pieces; most apps need none. The restricted Pod Security Standard requires dropping ALL and allows adding back only NET_BIND_SERVICE.',
  docs: 'https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container',
  scope: 'container',
  defaults: { keep: ['NET_BIND_SERVICE'] },
  run(target: Target, options) {
    const edits: Edit[] = [];
    const findings: Finding[] = [];
    if (isWindowsPod(target.template)) return { edits, findings };
    const c = target.container!;
    const name = String(c.name);
    const keep = new Set(options.keep.map(norm));
    const drop = listAt(c, '/securityContext/capabilities/drop');
    if (!drop.includes('ALL')) {
      const lower = drop.findIndex((d) => typeof d === 'string' && d.toUpperCase() === 'ALL');
      if (lower >= 0) {
        edits.push({ op: 'replace', path: `/securityContext/capabilities/drop/${lower}`, value: 'ALL', reason: `capability names are case-sensitive: "${String(drop[lower])}" is not ALL to the Pod Security admission check` });
      } else if (drop.length === 0) {
        edits.push(...ensure(c, '/securityContext/capabilities/drop', ['ALL'], 'drop every capability; the app gets back only what it is explicitly given'));
      } else {
        edits.push({ op: 'add', path: '/securityContext/capabilities/drop/-', value: 'ALL', reason: 'drop every capability, not only the listed ones' });
      }
    }
    const add = listAt(c, '/securityContext/capabilities/add');
    const removeIdx = add.map((a, i) => (keep.has(norm(a)) ? -1 : i)).filter((i) => i >= 0);
    if (removeIdx.length > 0) {
      const removed = removeIdx.map((i) => String(add[i]));
      if (removeIdx.length === add.length) {
        edits.push({ op: 'remove', path: '/securityContext/capabilities/add', reason: `restricted allows adding back only ${[...keep].join(', ')}; removed ${removed.join(', ')}` });
      } else {
        // Highest index first so the remaining indexes stay valid.
        for (const i of [...removeIdx].reverse()) {
          edits.push({ op: 'remove', path: `/securityContext/capabilities/add/${i}`, reason: `restricted allows adding back only ${[...keep].join(', ')}; ${String(add[i])} removed` });
        }
      }
      findings.push({
        code: 'capabilitiesRemoved',
        severity: 'warning',
        message: `container ${name} asked for ${removed.join(', ')}; removed to meet restricted. If the app needs ${removed.length > 1 ? 'them' : 'it'}, it will fail: exempt it with the annotation kharden.dev/skip.${name}: drop-all-capabilities`,
        path: '/securityContext/capabilities/add',
        pssCheck: 'capabilities_restricted',
      });
    }
    return { edits, findings };
  },
};
export default transform;
