#!/usr/bin/env node
// A KRM function: adds the label LABEL_KEY=LABEL_VALUE (env) to every item; with --add-policy
// also returns a new NetworkPolicy; STRIP_TAG drops kharden's item annotation, REVERSE reverses the items; echoes functionConfig.data.note as an info result.
import { parse, stringify } from 'yaml';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const list = parse(input);
for (const item of list.items) {
  item.metadata ??= {};
  item.metadata.labels = { ...(item.metadata.labels ?? {}), [process.env.LABEL_KEY]: process.env.LABEL_VALUE };
}
if (process.env.STRIP_TAG) for (const item of list.items) delete item.metadata.annotations?.['internal.config.kubernetes.io/kharden-item'];
if (process.env.REVERSE) list.items.reverse();
if (process.argv.includes('--add-policy')) {
  list.items.push({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } });
}
list.results = [{ message: `labelled ${list.items.length} item(s)${list.functionConfig ? `; note: ${list.functionConfig.data.note}` : ''}`, severity: 'info' }];
delete list.functionConfig;
process.stdout.write(stringify(list));
