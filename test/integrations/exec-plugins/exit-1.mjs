#!/usr/bin/env node
// Fails: exit 1 with a message on stderr and an error result on stdout, as a KRM function does.
process.stdin.resume();
process.stdin.on('end', () => {
  process.stderr.write('cannot reach the policy server\n');
  process.stdout.write('apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nresults:\n- message: policy server unreachable\n  severity: error\n');
  process.exit(1);
});
