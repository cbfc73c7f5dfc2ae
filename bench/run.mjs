#!/usr/bin/env node
// kharden benchmark: `npm run bench` (needs a built dist/: `npx tsc -p tsconfig.json`).
//
// 1. Generates realistic multi-document streams deterministically (seeded PRNG) into bench/out/.
// 2. Per size, in one child process per measurement (so peak RSS is per measurement), times
//    - kharden as a library: hardenText() on the whole stream with the restricted profile,
//    - kharden as a CLI end to end: `node bin/kharden.js FILE > /dev/null`,
//    - the floor: the `yaml` package alone, parseAllDocuments(text) + doc.toString() per doc,
//      timed in-process (compare with the library call) and as a whole process that writes the
//      result to /dev/null (compare with the CLI),
//    each BENCH_REPEATS times (median).
// 3. Whole-process time for a single small Deployment through the CLI next to `node -e 0`.
// 4. Growth: time and RSS per resource at each size.
// 5. Already-hardened input (kharden's output fed back, up to BENCH_RERUN_MAX=10000 resources):
//    the steady state of a build that runs kharden every time.
// Prints a table and writes bench/out/results.json.
//
// Environment (all optional):
//   BENCH_SIZES=1000,10000,50000   resources per stream
//   BENCH_REPEATS=3                timed runs per (size, measurement); the median is reported
//   BENCH_SMALL_RUNS=20            runs for the single-manifest start-up comparison
//   BENCH_TIMEOUT_S=600            per child process; a timed-out measurement is not repeated and
//                                  larger sizes of the same measurement are skipped
//   BENCH_PROFILE=restricted       kharden profile
//   BENCH_SEED=20240601            generator seed
//   BENCH_ONLY=lib,cli,reports,floor,startup,real   subset of measurements (reports: the CLI
//                                  writing SARIF, Markdown, HTML and JSON reports of the run as
//                                  well; real: the real-world streams below)
//   BENCH_CORPUS=/work/shared/corpus/real   real manifests: every file kharden accepts,
//                                  concatenated into one stream, and the CRD-heavy files alone
//                                  (skipped with a message when the directory is absent)
//   BENCH_SNAPSHOT=1               copy dist/, bin/, profiles/ to bench/out/snapshot/ first and
//                                  measure that copy (0: measure the live tree)
//
//   node bench/run.mjs --generate  only writes the streams to bench/out/
//
// Child mode (internal): node bench/run.mjs --child lib|floor FILE   (result JSON goes to
// the file named by BENCH_RESULT_FILE).

import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const OUT = path.join(BENCH_DIR, 'out');
const SELF = fileURLToPath(import.meta.url);

// ---------------------------------------------------------------------------------------------
// Child mode: one measurement, in its own process.
// ---------------------------------------------------------------------------------------------

async function child(kind, file) {
  const resultFile = process.env.BENCH_RESULT_FILE;
  const t0 = performance.now();
  let r;
  if (kind === 'lib') {
    const imp = (p) => import(pathToFileURL(path.join(process.env.KHARDEN_ROOT || ROOT, p)).href);
    const { hardenText } = await imp('dist/src/core/engine.js');
    const { resolveProfile, hardenOptionsOf } = await imp('dist/src/profiles/resolve.js');
    const { loadProfileFile } = await imp('dist/src/io/profiles.js');
    const profile = await resolveProfile(process.env.BENCH_PROFILE || 'restricted', loadProfileFile);
    const text = fs.readFileSync(file, 'utf8');
    const cpu0 = process.cpuUsage();
    const tReady = performance.now();
    const res = hardenText(file, text, hardenOptionsOf(profile));
    const tDone = performance.now();
    const cpu = process.cpuUsage(cpu0);
    r = {
      opMs: tDone - tReady,
      opCpuMs: (cpu.user + cpu.system) / 1000,
      setupMs: tReady - t0,
      bytesIn: Buffer.byteLength(text),
      bytesOut: Buffer.byteLength(res.output),
      documents: res.documents,
      edits: res.edits.length,
      findings: res.findings.length,
      workloads: res.workloads.length,
      changed: res.changed,
    };
  } else if (kind === 'floor') {
    const { parseAllDocuments } = await import('yaml');
    const text = fs.readFileSync(file, 'utf8');
    const cpu0 = process.cpuUsage();
    const tReady = performance.now();
    const docs = parseAllDocuments(text);
    const list = Array.isArray(docs) ? docs : [];
    let out = '';
    for (const doc of list) out += doc.toString();
    const tDone = performance.now();
    const cpu = process.cpuUsage(cpu0);
    // Like the CLI, the whole-process variant writes its output (the parent sends stdout to /dev/null).
    fs.writeSync(1, out);
    r = {
      opMs: tDone - tReady,
      opCpuMs: (cpu.user + cpu.system) / 1000,
      setupMs: tReady - t0,
      bytesIn: Buffer.byteLength(text),
      bytesOut: Buffer.byteLength(out),
      documents: list.length,
      errors: list.reduce((n, d) => n + d.errors.length, 0),
    };
  } else {
    throw new Error(`unknown child kind ${kind}`);
  }
  r.maxRSSKiB = process.resourceUsage().maxRSS;
  if (resultFile) fs.writeFileSync(resultFile, JSON.stringify(r));
  else process.stderr.write(JSON.stringify(r) + '\n');
}

// ---------------------------------------------------------------------------------------------
// Manifest generator (deterministic).
// ---------------------------------------------------------------------------------------------

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function makeGenerator(seed) {
  const rnd = mulberry32(seed);
  const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
  const chance = (p) => rnd() < p;
  const weighted = (pairs) => {
    const total = pairs.reduce((s, [, w]) => s + w, 0);
    let x = rnd() * total;
    for (const [v, w] of pairs) if ((x -= w) < 0) return v;
    return pairs[pairs.length - 1][0];
  };

  const teams = ['payments', 'search', 'checkout', 'identity', 'platform', 'data', 'ml', 'web', 'mobile-api', 'billing'];
  const apps = ['api', 'worker', 'frontend', 'gateway', 'indexer', 'scheduler', 'exporter', 'cache', 'consumer', 'auth', 'report', 'sync'];
  const images = ['nginx:1.25.3', 'redis:7.2-alpine', 'postgres:16.1', 'busybox:1.36', 'registry.example.com/{team}/{app}:{ver}', 'ghcr.io/example/{app}:v{ver}', 'gcr.io/distroless/static:nonroot', 'python:3.12-slim', 'node:20-alpine', 'envoyproxy/envoy:v1.29.1'];
  const trailing = ['# pinned by renovate', '# TODO: tighten', '# see runbook', '# keep in sync with chart', '# do not change without SRE', '# bumped in INC-4821', '# owner: sre'];
  const helmSources = ['deployment.yaml', 'statefulset.yaml', 'job.yaml', 'cronjob.yaml', 'service.yaml', 'configmap.yaml'];

  const ver = () => `${int(0, 4)}.${int(0, 30)}.${int(0, 20)}`;
  const image = (team, app) => pick(images).replace('{team}', team).replace('{app}', app).replace('{ver}', ver());
  const tc = (p = 0.12) => (chance(p) ? '  ' + pick(trailing) : '');

  /** Lines of a container at `ind` (the `- ` dash sits at ind). */
  function container(ind, name, team, app, isInit) {
    const p = ' '.repeat(ind);
    const q = ' '.repeat(ind + 2);
    const L = [];
    L.push(`${p}- name: ${name}${tc()}`);
    L.push(`${q}image: ${image(team, app)}${tc(0.2)}`);
    if (chance(0.5)) L.push(`${q}imagePullPolicy: ${pick(['IfNotPresent', 'Always'])}`);
    if (isInit) {
      L.push(`${q}command: ["sh", "-c", "until nc -z ${pick(['db', 'redis', 'kafka'])} ${pick([5432, 6379, 9092])}; do sleep 2; done"]`);
    } else {
      if (chance(0.6)) L.push(`${q}args: [${['--port=8080', `--log-level=${pick(['info', 'debug', 'warn'])}`, '--metrics'].slice(0, int(1, 3)).map((a) => JSON.stringify(a)).join(', ')}]`);
      if (chance(0.8)) {
        L.push(`${q}ports:`);
        const n = int(1, 2);
        for (let i = 0; i < n; i++) {
          L.push(`${q}- containerPort: ${i === 0 ? pick([8080, 8443, 3000, 9090, 80]) : 9100}`);
          L.push(`${q}  name: ${i === 0 ? 'http' : 'metrics'}`);
          if (chance(0.5)) L.push(`${q}  protocol: TCP`);
        }
      }
      if (chance(0.75)) {
        L.push(`${q}env:`);
        const n = int(1, 4);
        for (let i = 0; i < n; i++) {
          const k = int(0, 3);
          if (k === 0) L.push(`${q}- name: LOG_LEVEL`, `${q}  value: ${pick(['"info"', 'debug', "'warn'"])}`);
          else if (k === 1) L.push(`${q}- name: POD_NAME`, `${q}  valueFrom:`, `${q}    fieldRef:`, `${q}      fieldPath: metadata.name`);
          else if (k === 2) L.push(`${q}- name: DB_PASSWORD`, `${q}  valueFrom:`, `${q}    secretKeyRef: {name: ${app}-db, key: password}`);
          else L.push(`${q}- {name: FEATURE_${String.fromCharCode(65 + i)}, value: "${chance(0.5) ? 'true' : 'false'}"}`);
        }
        if (chance(0.3)) L.push(`${q}envFrom:`, `${q}- configMapRef:`, `${q}    name: ${app}-config`);
      }
      if (chance(0.85)) {
        L.push(`${q}resources:`);
        if (chance(0.5)) L.push(`${q}  requests: {cpu: ${pick(['50m', '100m', '250m', '500m'])}, memory: ${pick(['64Mi', '128Mi', '256Mi', '1Gi'])}}`);
        else L.push(`${q}  requests:`, `${q}    cpu: ${pick(['50m', '100m', '250m', '500m'])}`, `${q}    memory: ${pick(['64Mi', '128Mi', '256Mi', '1Gi'])}`);
        if (chance(0.7)) L.push(`${q}  limits:`, `${q}    cpu: "${pick(['1', '2', '500m'])}"`, `${q}    memory: ${pick(['256Mi', '512Mi', '2Gi'])}${tc()}`);
      }
      if (chance(0.6)) {
        L.push(`${q}livenessProbe:`);
        if (chance(0.6)) L.push(`${q}  httpGet:`, `${q}    path: /healthz`, `${q}    port: http`);
        else L.push(`${q}  exec:`, `${q}    command:`, `${q}    - /bin/check`, `${q}    - --quick`);
        L.push(`${q}  initialDelaySeconds: ${int(5, 30)}`, `${q}  periodSeconds: ${pick([5, 10, 20])}`);
      }
      if (chance(0.5)) L.push(`${q}readinessProbe:`, `${q}  tcpSocket: {port: ${pick([8080, 'http'])}}`, `${q}  timeoutSeconds: ${int(1, 5)}`);
      if (chance(0.5)) {
        L.push(`${q}volumeMounts:`, `${q}- name: config`, `${q}  mountPath: /etc/${app}`, `${q}  readOnly: true`);
        if (chance(0.5)) L.push(`${q}- name: tmp`, `${q}  mountPath: /tmp`);
      }
    }
    // Existing container securityContexts, block and flow, partial and complete.
    switch (weighted([[0, 35], [1, 15], [2, 12], [3, 8], [4, 8], [5, 12], [6, 5], [7, 5]])) {
      case 0:
        break;
      case 1:
        L.push(`${q}securityContext:`, `${q}  runAsNonRoot: true`, `${q}  runAsUser: ${pick([1000, 10001, 65532])}`);
        break;
      case 2:
        L.push(`${q}securityContext: {readOnlyRootFilesystem: true}${tc()}`);
        break;
      case 3:
        L.push(`${q}securityContext: {capabilities: {add: [NET_BIND_SERVICE, ${pick(['NET_RAW', 'SYS_TIME', 'CHOWN'])}]}}`);
        break;
      case 4:
        L.push(`${q}securityContext:`, `${q}  allowPrivilegeEscalation: true  # legacy sidecar`, `${q}  capabilities:`, `${q}    drop: ["NET_RAW"]`);
        break;
      case 5:
        L.push(`${q}securityContext:`, `${q}  allowPrivilegeEscalation: false`, `${q}  capabilities:`, `${q}    drop:`, `${q}    - ALL`, `${q}  runAsNonRoot: true`, `${q}  seccompProfile:`, `${q}    type: RuntimeDefault`);
        break;
      case 6:
        L.push(`${q}securityContext: {}`);
        break;
      case 7:
        L.push(`${q}securityContext: {runAsUser: 1000, allowPrivilegeEscalation: false}`);
        break;
    }
    return L;
  }

  /** Lines of a pod template (`template:` key at ind). */
  function podTemplate(ind, team, app, labels, restartPolicy) {
    const p = ' '.repeat(ind);
    const L = [`${p}template:`, `${p}  metadata:`, `${p}    labels:`];
    for (const [k, v] of labels) L.push(`${p}      ${k}: ${v}`);
    if (chance(0.4)) L.push(`${p}    annotations:`, `${p}      prometheus.io/scrape: "true"`, `${p}      prometheus.io/port: "9100"`);
    L.push(`${p}  spec:`);
    const s = `${p}    `;
    if (restartPolicy) L.push(`${s}restartPolicy: ${restartPolicy}`);
    if (chance(0.6)) L.push(`${s}serviceAccountName: ${app}`);
    if (chance(0.3)) L.push(`${s}terminationGracePeriodSeconds: ${pick([30, 60, 120])}`);
    switch (weighted([[0, 45], [1, 25], [2, 20], [3, 10]])) {
      case 1:
        L.push(`${s}securityContext:`, `${s}  runAsNonRoot: true`, `${s}  fsGroup: ${pick([1000, 2000, 65532])}`);
        break;
      case 2:
        L.push(`${s}securityContext: {runAsUser: 1000, runAsGroup: 3000}${tc()}`);
        break;
      case 3:
        L.push(`${s}securityContext:`, `${s}  seccompProfile:`, `${s}    type: RuntimeDefault`);
        break;
    }
    // Both sequence styles: indented (`  - name`) and not (`- name` under the key).
    const seqInd = chance(0.5) ? ind + 6 : ind + 4;
    if (chance(0.3)) {
      L.push(`${s}initContainers:`);
      const n = int(1, 2);
      for (let i = 0; i < n; i++) L.push(...container(seqInd, i === 0 ? 'wait-for-deps' : 'migrate', team, app, true));
    }
    if (chance(0.2)) L.push(`${s}# the main container first; sidecars after it`);
    L.push(`${s}containers:`);
    const n = weighted([[1, 65], [2, 28], [3, 7]]);
    for (let i = 0; i < n; i++) L.push(...container(seqInd, i === 0 ? app : pick(['envoy', 'log-shipper', 'metrics-exporter', 'cloudsql-proxy']) + (i > 1 ? `-${i}` : ''), team, app, false));
    if (chance(0.5)) {
      L.push(`${s}volumes:`, `${s}- name: config`, `${s}  configMap:`, `${s}    name: ${app}-config`);
      if (chance(0.5)) L.push(`${s}- name: tmp`, `${s}  emptyDir: {}`);
    }
    if (chance(0.25)) L.push(`${s}nodeSelector:`, `${s}  kubernetes.io/os: linux`);
    if (chance(0.15)) L.push(`${s}tolerations:`, `${s}- key: dedicated`, `${s}  operator: Equal`, `${s}  value: ${team}`, `${s}  effect: NoSchedule`);
    return L;
  }

  function metadata(name, ns, labels, kindLabel) {
    const L = ['metadata:', `  name: ${name}`, `  namespace: ${ns}`, '  labels:'];
    for (const [k, v] of labels) L.push(`    ${k}: ${v}`);
    if (chance(0.3)) L.push('  annotations:', `    example.com/owner: ${kindLabel}-team${tc()}`, `    example.com/change-ticket: "CHG-${int(1000, 99999)}"`);
    return L;
  }

  /** One document (without the `---` separator). */
  function document(i) {
    const kind = weighted([['Deployment', 26], ['StatefulSet', 7], ['Job', 6], ['CronJob', 6], ['Service', 30], ['ConfigMap', 25]]);
    const team = pick(teams);
    const app = pick(apps);
    const name = `${team}-${app}-${i}`;
    const ns = `${team}-${pick(['prod', 'staging', 'dev'])}`;
    const labels = [['app.kubernetes.io/name', app], ['app.kubernetes.io/instance', name], ['app.kubernetes.io/part-of', team]];
    if (chance(0.4)) labels.push(['app.kubernetes.io/version', `"${ver()}"`]);
    const L = [];
    if (chance(0.5)) L.push(`# Source: ${team}/templates/${pick(helmSources)}`);
    if (chance(0.1)) L.push('# Managed by the platform team. Edit the chart, not this file.');
    const sel = [['app.kubernetes.io/name', app], ['app.kubernetes.io/instance', name]];
    switch (kind) {
      case 'Deployment':
      case 'StatefulSet':
        L.push('apiVersion: apps/v1', `kind: ${kind}`, ...metadata(name, ns, labels, team), 'spec:');
        L.push(`  replicas: ${int(1, 6)}${tc()}`);
        if (kind === 'StatefulSet') L.push(`  serviceName: ${name}`);
        if (kind === 'Deployment' && chance(0.3)) L.push('  strategy:', '    type: RollingUpdate', '    rollingUpdate: {maxSurge: 25%, maxUnavailable: 0}');
        L.push('  selector:', '    matchLabels:', ...sel.map(([k, v]) => `      ${k}: ${v}`));
        L.push(...podTemplate(2, team, app, labels, undefined));
        if (kind === 'StatefulSet' && chance(0.7)) L.push('  volumeClaimTemplates:', '  - metadata:', '      name: data', '    spec:', '      accessModes: ["ReadWriteOnce"]', '      resources:', '        requests:', `          storage: ${pick(['1Gi', '10Gi', '100Gi'])}`);
        break;
      case 'Job':
        L.push('apiVersion: batch/v1', 'kind: Job', ...metadata(name, ns, labels, team), 'spec:');
        L.push(`  backoffLimit: ${int(0, 6)}`);
        if (chance(0.5)) L.push(`  ttlSecondsAfterFinished: ${pick([300, 3600, 86400])}`);
        L.push(...podTemplate(2, team, app, labels, pick(['Never', 'OnFailure'])));
        break;
      case 'CronJob':
        L.push('apiVersion: batch/v1', 'kind: CronJob', ...metadata(name, ns, labels, team), 'spec:');
        L.push(`  schedule: "${int(0, 59)} ${int(0, 23)} * * ${pick(['*', '1-5', '0'])}"${tc()}`);
        if (chance(0.6)) L.push(`  concurrencyPolicy: ${pick(['Forbid', 'Replace', 'Allow'])}`);
        L.push('  jobTemplate:', '    spec:', `      backoffLimit: ${int(0, 3)}`);
        L.push(...podTemplate(6, team, app, labels, 'OnFailure'));
        break;
      case 'Service':
        L.push('apiVersion: v1', 'kind: Service', ...metadata(name, ns, labels, team), 'spec:');
        L.push(`  type: ${weighted([['ClusterIP', 80], ['NodePort', 10], ['LoadBalancer', 10]])}`);
        L.push('  selector:', ...sel.map(([k, v]) => `    ${k}: ${v}`));
        L.push('  ports:');
        L.push(`  - name: http`, `    port: ${pick([80, 8080, 443])}`, `    targetPort: http${tc()}`, '    protocol: TCP');
        if (chance(0.4)) L.push('  - {name: metrics, port: 9100, targetPort: 9100}');
        break;
      case 'ConfigMap': {
        L.push('apiVersion: v1', 'kind: ConfigMap', ...metadata(`${name}-config`, ns, labels, team), 'data:');
        L.push(`  LOG_LEVEL: ${pick(['info', 'debug', '"warn"'])}`, `  FEATURE_FLAGS: "${pick(['a,b', 'b', ''])}"`);
        if (chance(0.6)) {
          L.push('  app.properties: |');
          const n = int(2, 8);
          for (let k = 0; k < n; k++) L.push(`    ${pick(['server', 'db', 'cache', 'queue'])}.${pick(['port', 'host', 'timeout', 'pool.size'])}.${k}=${int(1, 9999)}`);
        }
        if (chance(0.3)) L.push('  nginx.conf: |-', '    server {', `      listen ${pick([80, 8080])};`, '      location / {', `        proxy_pass http://${app}:8080;`, '      }', '    }');
        if (chance(0.25)) L.push('  motd: >-', `    Welcome to ${team}.`, '    This text is folded into one line', '    by the YAML parser.');
        if (chance(0.2)) L.push('  # leftover from the old chart', `  legacy.enabled: "false"${tc(0.5)}`);
        break;
      }
    }
    return { kind, text: L.join('\n') + '\n' };
  }

  return { document };
}

function generateStream(n, seed) {
  const gen = makeGenerator(seed);
  const parts = [];
  const kinds = {};
  for (let i = 0; i < n; i++) {
    const d = gen.document(i);
    kinds[d.kind] = (kinds[d.kind] ?? 0) + 1;
    parts.push(d.text);
  }
  return { text: parts.join('---\n'), kinds };
}

// A single, ordinary Deployment (for the start-up comparison).
const SMALL_DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  labels:
    app.kubernetes.io/name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: web
  template:
    metadata:
      labels:
        app.kubernetes.io/name: web
    spec:
      containers:
      - name: web
        image: nginx:1.25.3   # pinned
        ports:
        - containerPort: 8080
        resources:
          requests: {cpu: 100m, memory: 128Mi}
        securityContext:
          runAsNonRoot: true
`;

// ---------------------------------------------------------------------------------------------
// Measurement plumbing.
// ---------------------------------------------------------------------------------------------

const TIME_BIN = !process.env.BENCH_NO_GNU_TIME && fs.existsSync('/usr/bin/time') && probeGnuTime() ? '/usr/bin/time' : undefined;

function probeGnuTime() {
  try {
    const tmp = path.join(os.tmpdir(), `kharden-bench-time-${process.pid}`);
    execFileSync('/usr/bin/time', ['-v', '-o', tmp, process.execPath, '-e', '0'], { stdio: 'ignore' });
    const ok = /Maximum resident set size/.test(fs.readFileSync(tmp, 'utf8'));
    fs.rmSync(tmp, { force: true });
    return ok;
  } catch {
    return false;
  }
}

function parseGnuTime(text) {
  const num = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  return {
    maxRSSKiB: num(/Maximum resident set size \(kbytes\): (\d+)/),
    userS: num(/User time \(seconds\): ([\d.]+)/),
    sysS: num(/System time \(seconds\): ([\d.]+)/),
  };
}

// Children run in their own process group (so a timeout kills `time` and node together); on
// Ctrl-C or SIGTERM the running one is killed too.
const activeGroups = new Set();
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const pgid of activeGroups) {
      try {
        process.kill(-pgid, 'SIGKILL');
      } catch {}
    }
    process.exit(130);
  });
}

let seq = 0;
let CODE_ROOT = ROOT; // set by orchestrate() to the snapshot
/**
 * Runs argv (a node command line) once in a fresh process under /usr/bin/time -v when present,
 * stdout to /dev/null. Without GNU time, peak RSS comes from the child itself (`lib`/`floor`
 * report process.resourceUsage().maxRSS; the CLI and `node -e 0` get a tiny --import hook).
 */
function runOnce(args, { timeoutS, resultFromChild = false }) {
  return new Promise((resolve) => {
    const id = `${process.pid}-${++seq}`;
    const timeFile = path.join(OUT, `.time-${id}`);
    const resultFile = path.join(OUT, `.result-${id}`);
    const rssFile = path.join(OUT, `.rss-${id}`);
    let cmd;
    let argv;
    const nodeArgs = [...args];
    if (!TIME_BIN && !resultFromChild) nodeArgs.unshift('--import', pathToFileURL(path.join(BENCH_DIR, 'rss-hook.mjs')).href);
    if (TIME_BIN) {
      cmd = TIME_BIN;
      argv = ['-v', '-o', timeFile, process.execPath, ...nodeArgs];
    } else {
      cmd = process.execPath;
      argv = nodeArgs;
    }
    const devnull = fs.openSync('/dev/null', 'w');
    const env = { ...process.env, BENCH_RESULT_FILE: resultFile, BENCH_RSS_FILE: rssFile, KHARDEN_ROOT: CODE_ROOT };
    const t0 = performance.now();
    const cp = spawn(cmd, argv, { cwd: ROOT, env, stdio: ['ignore', devnull, 'pipe'], detached: true });
    fs.closeSync(devnull);
    activeGroups.add(cp.pid);
    let stderr = '';
    cp.stderr.on('data', (d) => {
      if (stderr.length < 20000) stderr += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-cp.pid, 'SIGKILL'); // the process group we started (time + node)
      } catch {}
    }, timeoutS * 1000);
    cp.on('close', (code, signal) => {
      const wallMs = performance.now() - t0;
      clearTimeout(timer);
      activeGroups.delete(cp.pid);
      const res = { wallMs, code, signal, timedOut, loadAvg1: os.loadavg()[0] };
      // Peak RSS: GNU time's figure when present, else what the child (or the hook) reported.
      if (fs.existsSync(resultFile)) Object.assign(res, JSON.parse(fs.readFileSync(resultFile, 'utf8')));
      if (TIME_BIN && fs.existsSync(timeFile)) {
        for (const [k, v] of Object.entries(parseGnuTime(fs.readFileSync(timeFile, 'utf8')))) if (v !== undefined) res[k] = v;
      }
      if (!TIME_BIN && fs.existsSync(rssFile)) res.maxRSSKiB = Number(fs.readFileSync(rssFile, 'utf8'));
      for (const f of [timeFile, resultFile, rssFile]) fs.rmSync(f, { force: true });
      if (code !== 0 && !timedOut) res.stderr = stderr.slice(0, 2000);
      resolve(res);
    });
  });
}

const median = (xs) => {
  const s = xs.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return undefined;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function summarize(runs) {
  const ok = runs.filter((r) => r.code === 0 && !r.timedOut);
  const pick = (k) => median(ok.map((r) => r[k]));
  return {
    runs: runs.length,
    ok: ok.length,
    timedOut: runs.some((r) => r.timedOut),
    failed: runs.some((r) => r.code !== 0 && !r.timedOut),
    error: runs.find((r) => r.stderr)?.stderr,
    wallMs: pick('wallMs'),
    opMs: pick('opMs'),
    opCpuMs: pick('opCpuMs'),
    setupMs: pick('setupMs'),
    maxRSSKiB: pick('maxRSSKiB'),
    cpuS: median(ok.filter((r) => r.userS !== undefined).map((r) => r.userS + r.sysS)),
    loadAvg1: median(runs.map((r) => r.loadAvg1)),
    samplesMs: runs.map((r) => (r.timedOut ? null : Math.round((r.opMs ?? r.wallMs) * 10) / 10)),
    detail: ok[0] ? Object.fromEntries(Object.entries(ok[0]).filter(([k]) => ['bytesIn', 'bytesOut', 'documents', 'edits', 'findings', 'workloads', 'changed', 'errors'].includes(k))) : undefined,
  };
}

/** Optional cross-check of the start-up figures with hyperfine, when it is installed. */
function hyperfineStartup(smallFile, runs, cliBin) {
  let ok = false;
  try {
    execFileSync('hyperfine', ['--version'], { stdio: 'ignore' });
    ok = true;
  } catch {}
  if (!ok) return undefined;
  const json = path.join(OUT, `.hyperfine-${process.pid}.json`);
  try {
    const node = process.execPath;
    execFileSync('hyperfine', ['-N', '--warmup', '3', '--runs', String(runs), '--export-json', json, `${node} -e 0`, `${node} ${cliBin} ${path.relative(ROOT, smallFile)}`], { cwd: ROOT, stdio: 'ignore' });
    const res = JSON.parse(fs.readFileSync(json, 'utf8')).results;
    return { nodeE0Ms: res[0].median * 1000, cliSmallMs: res[1].median * 1000 };
  } catch {
    return undefined;
  } finally {
    fs.rmSync(json, { force: true });
  }
}

/**
 * Copies the built code (package.json, bin/, dist/, profiles/) to bench/out/snapshot/ so every
 * measurement of a run uses the same build even while dist/ is being rebuilt; node_modules still
 * resolves from the repository. BENCH_SNAPSHOT=0 measures the live tree instead.
 */
function snapshotCode() {
  const fingerprint = (root) => {
    const h = createHash('sha256');
    const walk = (dir) => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.isFile()) h.update(path.relative(root, p)).update(fs.readFileSync(p));
      }
    };
    for (const d of ['dist', 'profiles']) walk(path.join(root, d));
    return h.digest('hex').slice(0, 12);
  };
  if (process.env.BENCH_SNAPSHOT === '0' || process.argv.includes('--generate')) return { root: ROOT, snapshot: false, fingerprint: fingerprint(ROOT) };
  const dest = path.join(OUT, 'snapshot');
  fs.rmSync(dest, { recursive: true, force: true });
  fs.mkdirSync(dest, { recursive: true });
  // Timestamps kept: bin/kharden.js takes dist/bundle only when it is not older than dist/src.
  for (const item of ['package.json', 'bin', 'dist', 'profiles']) fs.cpSync(path.join(ROOT, item), path.join(dest, item), { recursive: true, preserveTimestamps: true });
  return { root: dest, snapshot: true, fingerprint: fingerprint(dest) };
}

// ---------------------------------------------------------------------------------------------
// Orchestration.
// ---------------------------------------------------------------------------------------------

function machine() {
  const cpuinfo = fs.existsSync('/proc/cpuinfo') ? fs.readFileSync('/proc/cpuinfo', 'utf8') : '';
  const model = /model name\s*:\s*(.*)/.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown';
  const mem = fs.existsSync('/proc/meminfo') ? /MemTotal:\s*(\d+)/.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] : undefined;
  let git;
  try {
    const head = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'transforms', 'profiles'], { cwd: ROOT, encoding: 'utf8' }).trim() !== '';
    git = `${head}${dirty ? ' (+ uncommitted changes in src/transforms/profiles)' : ''}`;
  } catch {}
  let yamlVersion;
  try {
    yamlVersion = JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules/yaml/package.json'), 'utf8')).version;
  } catch {}
  return {
    cpuModel: model,
    cores: os.availableParallelism?.() ?? os.cpus().length,
    memTotalMiB: mem ? Math.round(Number(mem) / 1024) : undefined,
    node: process.version,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    yaml: yamlVersion,
    git,
    rss: TIME_BIN ? '/usr/bin/time -v (Maximum resident set size)' : 'process.resourceUsage().maxRSS in the child',
  };
}

const fmt = {
  ms: (x) => (x === undefined ? '—' : x >= 10000 ? `${(x / 1000).toFixed(1)} s` : x >= 100 ? `${x.toFixed(0)} ms` : `${x.toFixed(1)} ms`),
  mib: (kib) => (kib === undefined ? '—' : `${(kib / 1024).toFixed(0)} MiB`),
  num: (x, d = 0) => (x === undefined || !Number.isFinite(x) ? '—' : x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d })),
  ratio: (x) => (x === undefined || !Number.isFinite(x) ? '—' : `${x.toFixed(2)}×`),
};

function table(headers, rows) {
  const w = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => cells.map((c, i) => (i === 0 ? String(c).padEnd(w[i]) : String(c).padStart(w[i]))).join('  ');
  return [line(headers), w.map((n) => '-'.repeat(n)).join('  '), ...rows.map(line)].join('\n');
}

/**
 * The real-world streams of the issue, from a directory of manifests (the shared corpus): every
 * file kharden accepts on its own, concatenated with `---` into one stream, and the files that
 * hold CustomResourceDefinitions (an install stream dominated by CRD schemas), largest first.
 * Files kharden refuses (the corpus keeps templates, duplicate keys, UTF-16…) are left out.
 */
async function realStreams(dir) {
  if (!fs.existsSync(dir)) {
    console.log(`real streams: ${dir} is absent, skipped (set BENCH_CORPUS to a directory of manifests)`);
    return [];
  }
  const { decodeInput, parseStream } = await import(pathToFileURL(path.join(CODE_ROOT, 'dist/src/yaml/stream.js')).href);
  const files = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && /\.(ya?ml|json)$/i.test(e.name)) files.push(p);
    }
  };
  walk(dir);
  const ok = [];
  let refused = 0;
  for (const f of files) {
    try {
      const text = decodeInput(fs.readFileSync(f), f);
      const docs = parseStream(text, f).documents.length;
      if (docs === 0) continue;
      ok.push({ file: f, text: text.startsWith('\uFEFF') ? text.slice(1) : text, docs, crd: /^kind:\s*["']?CustomResourceDefinition["']?\s*$/m.test(text) });
    } catch {
      refused++;
    }
  }
  const join = (list) => list.map((x) => (x.text.endsWith('\n') ? x.text : x.text + '\n')).join('---\n');
  const out = [];
  const make = (name, what, list) => {
    const file = path.join(OUT, `${name}.yaml`);
    const text = join(list);
    fs.writeFileSync(file, text);
    const documents = parseStream(text, file).documents.length;
    out.push({ name, what, file, files: list.length, bytes: Buffer.byteLength(text), documents });
    console.log(`real stream ${path.relative(ROOT, file)}: ${what}, ${list.length} files, ${documents} documents, ${(Buffer.byteLength(text) / 1048576).toFixed(1)} MiB`);
  };
  make('real-corpus', `every file of ${dir} kharden accepts (${refused} refused files left out)`, ok);
  make('real-crds', 'the files with CustomResourceDefinitions, largest first', ok.filter((x) => x.crd).sort((a, b) => b.text.length - a.text.length));
  return out;
}

async function orchestrate() {
  const env = process.env;
  const sizes = (env.BENCH_SIZES ?? '1000,10000,50000').split(',').map((s) => Number(s.trim())).filter((n) => n > 0);
  const repeats = Number(env.BENCH_REPEATS ?? 3);
  const smallRuns = Number(env.BENCH_SMALL_RUNS ?? 20);
  const timeoutS = Number(env.BENCH_TIMEOUT_S ?? 600);
  const seed = Number(env.BENCH_SEED ?? 20240601);
  const only = new Set((env.BENCH_ONLY ?? 'lib,cli,reports,floor,startup,real').split(',').map((s) => s.trim()));
  const started = Date.now();

  if (!fs.existsSync(path.join(ROOT, 'dist/src/core/engine.js'))) {
    console.error('bench: dist/ is missing; build first (npx tsc -p tsconfig.json)');
    process.exit(2);
  }
  fs.mkdirSync(OUT, { recursive: true });
  const code = snapshotCode();
  CODE_ROOT = code.root;
  const cliBin = path.relative(ROOT, path.join(CODE_ROOT, 'bin/kharden.js'));
  let chain = [];
  try {
    const imp = (p) => import(pathToFileURL(path.join(CODE_ROOT, p)).href);
    const { resolveProfile } = await imp('dist/src/profiles/resolve.js');
    const { loadProfileFile } = await imp('dist/src/io/profiles.js');
    chain = (await resolveProfile(env.BENCH_PROFILE || 'restricted', loadProfileFile)).chain.map((l) => l.id);
  } catch (e) {
    console.error(`bench: cannot resolve the profile: ${e.message}`);
  }
  const mach = machine();
  mach.build = `${code.snapshot ? 'snapshot of' : 'live'} dist/ + profiles/ (sha256 ${code.fingerprint})`;
  console.log(`kharden benchmark — ${mach.cpuModel}, ${mach.cores} cores, Node ${mach.node}, yaml ${mach.yaml}, ${mach.git ?? ''}`);
  console.log(`build: ${mach.build}; profile ${env.BENCH_PROFILE || 'restricted'}: ${chain.join(', ')}`);
  console.log(`sizes ${sizes.join(', ')}; ${repeats} runs each (median); timeout ${timeoutS} s per run; peak RSS via ${mach.rss}\n`);

  // 1. Generate.
  const streams = [];
  for (const n of sizes) {
    const t0 = performance.now();
    const { text, kinds } = generateStream(n, seed);
    const file = path.join(OUT, `stream-${n}.yaml`);
    fs.writeFileSync(file, text);
    const bytes = Buffer.byteLength(text);
    streams.push({ n, file, bytes, lines: text.split('\n').length - 1, kinds });
    console.log(`generated ${path.relative(ROOT, file)}: ${fmt.num(n)} resources, ${(bytes / 1048576).toFixed(1)} MiB, ${fmt.num(text.split('\n').length - 1)} lines (${Object.entries(kinds).map(([k, v]) => `${k} ${v}`).join(', ')}) in ${fmt.ms(performance.now() - t0)}`);
  }
  const smallFile = path.join(OUT, 'small.yaml');
  fs.writeFileSync(smallFile, SMALL_DEPLOYMENT);
  for (const s of streams) if (s.bytes > 64 * 1048576) console.log(`note: ${path.basename(s.file)} is over kharden's 64 MiB per-file input limit; kharden will refuse it (exit 2)`);
  if (process.argv.includes('--generate')) return;
  if (os.loadavg()[0] > 0.5 * mach.cores) console.log(`note: load average ${os.loadavg()[0].toFixed(1)} on ${mach.cores} cores: other work is running, wall times will be noisy (CPU times are shown next to them)`);
  console.log('');

  // 1b. Real streams (the issue's first shape): measured first, side by side with the floor.
  const realResults = [];
  if (only.has('real')) {
    const real = await realStreams(env.BENCH_CORPUS ?? '/work/shared/corpus/real');
    for (const s of real) {
      const kinds = [
        only.has('lib') && ['lib', ['bench/run.mjs', '--child', 'lib', s.file], true],
        only.has('floor') && ['floor', ['bench/run.mjs', '--child', 'floor', s.file], true],
        only.has('cli') && ['cli', [cliBin, s.file], false],
      ].filter(Boolean);
      const runs = Object.fromEntries(kinds.map(([k]) => [k, []]));
      for (let i = 0; i < repeats; i++) {
        for (const [k, args, fromChild] of kinds) {
          const r = await runOnce(args, { timeoutS, resultFromChild: fromChild });
          runs[k].push(r);
          const status = r.timedOut ? `TIMEOUT after ${timeoutS} s` : r.code !== 0 ? `exit ${r.code}: ${(r.stderr ?? '').split('\n')[0]}` : `${fmt.ms(r.opMs ?? r.wallMs)}${r.opMs !== undefined ? ` (process ${fmt.ms(r.wallMs)})` : ''}, ${fmt.mib(r.maxRSSKiB)}`;
          console.log(`  ${s.name.padEnd(12)} ${k.padEnd(5)} run ${i + 1}/${repeats}: ${status}`);
        }
      }
      const sum = Object.fromEntries(Object.entries(runs).map(([k, rs]) => [k, rs.length ? summarize(rs) : undefined]));
      realResults.push({ name: s.name, what: s.what, files: s.files, bytes: s.bytes, documents: s.documents, ...sum });
    }
  }

  // 2. Per size: library, CLI, floor; interleaved so drift hits all of them alike.
  const results = [];
  const givenUp = new Set(); // measurements that timed out at a smaller size
  for (const s of streams) {
    const kinds = [
      only.has('lib') && ['lib', ['bench/run.mjs', '--child', 'lib', s.file], true],
      only.has('floor') && ['floor', ['bench/run.mjs', '--child', 'floor', s.file], true],
      only.has('cli') && ['cli', [cliBin, s.file], false],
      only.has('reports') && ['reports', [cliBin, ...['sarif', 'md', 'html', 'json'].flatMap((ext) => ['--report', path.join(OUT, `report-${s.n}.${ext}`)]), s.file], false],
    ].filter(Boolean);
    const runs = Object.fromEntries(kinds.map(([k]) => [k, []]));
    for (let i = 0; i < repeats; i++) {
      for (const [k, args, fromChild] of kinds) {
        if (givenUp.has(k)) continue;
        const r = await runOnce(args, { timeoutS, resultFromChild: fromChild });
        runs[k].push(r);
        const status = r.timedOut ? `TIMEOUT after ${timeoutS} s` : r.code !== 0 ? `exit ${r.code}: ${(r.stderr ?? '').split('\n')[0]}` : `${fmt.ms(r.opMs ?? r.wallMs)}${r.opMs !== undefined ? ` (process ${fmt.ms(r.wallMs)})` : ''}, ${fmt.mib(r.maxRSSKiB)}`;
        console.log(`  ${String(s.n).padStart(6)} ${k.padEnd(5)} run ${i + 1}/${repeats}: ${status}`);
        if (r.timedOut || r.code !== 0) givenUp.add(k);
      }
    }
    const sum = Object.fromEntries(Object.entries(runs).map(([k, rs]) => [k, rs.length ? summarize(rs) : undefined]));
    results.push({ resources: s.n, bytes: s.bytes, lines: s.lines, kinds: s.kinds, ...sum });
  }

  // 2b. Already-hardened input: what a build that runs kharden every time pays once its manifests
  // are hardened (no edits, so no document is written or read back). Sizes up to BENCH_RERUN_MAX.
  const rerunMax = Number(env.BENCH_RERUN_MAX ?? 10000);
  const reruns = [];
  if (only.has('lib') && only.has('floor')) {
    for (const s of streams.filter((x) => x.n <= rerunMax)) {
      const hardened = path.join(OUT, `hardened-${s.n}.yaml`);
      const out = fs.openSync(hardened, 'w');
      try {
        execFileSync(process.execPath, [cliBin, '-q', s.file], { cwd: ROOT, stdio: ['ignore', out, 'ignore'] });
      } finally {
        fs.closeSync(out);
      }
      const runs = { lib: [], floor: [] };
      for (let i = 0; i < repeats; i++) {
        for (const k of ['lib', 'floor']) {
          const r = await runOnce(['bench/run.mjs', '--child', k, hardened], { timeoutS, resultFromChild: true });
          runs[k].push(r);
          console.log(`  ${String(s.n).padStart(6)} ${k.padEnd(5)} on hardened input, run ${i + 1}/${repeats}: ${fmt.ms(r.opMs ?? r.wallMs)}, ${fmt.mib(r.maxRSSKiB)}${r.code !== 0 ? ` (exit ${r.code})` : ''}`);
        }
      }
      const lib = summarize(runs.lib);
      const floor = summarize(runs.floor);
      reruns.push({ resources: s.n, bytes: fs.statSync(hardened).size, lib, floor, edits: lib.detail?.edits, ratio: lib.opMs / floor.opMs });
    }
  }

  // 3. Start-up: one small manifest through the CLI vs bare node.
  let startup;
  if (only.has('startup')) {
    const bare = [];
    const cli = [];
    for (let i = 0; i < smallRuns; i++) {
      bare.push(await runOnce(['-e', '0'], { timeoutS: 60 }));
      cli.push(await runOnce([cliBin, smallFile], { timeoutS: 60 }));
    }
    const b = summarize(bare);
    const c = summarize(cli);
    startup = { runs: smallRuns, nodeE0: b, cliSmall: c, deltaMs: c.wallMs !== undefined && b.wallMs !== undefined ? c.wallMs - b.wallMs : undefined };
    startup.hyperfine = hyperfineStartup(smallFile, smallRuns, cliBin);
    if (c.failed) console.log(`  small CLI failed: ${c.error}`);
  }

  // 4. Growth and ratios.
  const rows = results.map((r) => {
    const lib = r.lib;
    const floor = r.floor;
    const cli = r.cli;
    const sec = (ms) => (ms === undefined ? undefined : ms / 1000);
    const perS = (ms) => (ms === undefined ? undefined : r.resources / sec(ms));
    const mbS = (ms) => (ms === undefined ? undefined : r.bytes / 1e6 / sec(ms));
    return {
      resources: r.resources,
      bytes: r.bytes,
      lib: lib && { ms: lib.opMs, cpuMs: lib.opCpuMs, resPerS: perS(lib.opMs), mbPerS: mbS(lib.opMs), rssKiB: lib.maxRSSKiB, processMs: lib.wallMs, timedOut: lib.timedOut, failed: lib.failed },
      floor: floor && { ms: floor.opMs, cpuMs: floor.opCpuMs, processCpuMs: floor.cpuS !== undefined ? floor.cpuS * 1000 : undefined, resPerS: perS(floor.opMs), mbPerS: mbS(floor.opMs), rssKiB: floor.maxRSSKiB, processMs: floor.wallMs, processResPerS: perS(floor.wallMs), processMbPerS: mbS(floor.wallMs), timedOut: floor.timedOut, failed: floor.failed },
      cli: cli && { ms: cli.wallMs, cpuMs: cli.cpuS !== undefined ? cli.cpuS * 1000 : undefined, resPerS: perS(cli.wallMs), mbPerS: mbS(cli.wallMs), rssKiB: cli.maxRSSKiB, timedOut: cli.timedOut, failed: cli.failed },
      reports: r.reports && { ms: r.reports.wallMs, cpuMs: r.reports.cpuS !== undefined ? r.reports.cpuS * 1000 : undefined, resPerS: perS(r.reports.wallMs), mbPerS: mbS(r.reports.wallMs), rssKiB: r.reports.maxRSSKiB, timedOut: r.reports.timedOut, failed: r.reports.failed },
      ratio: {
        libToFloor: lib?.opMs !== undefined && floor?.opMs ? lib.opMs / floor.opMs : undefined,
        cliToFloorProcess: cli?.wallMs !== undefined && floor?.wallMs ? cli.wallMs / floor.wallMs : undefined,
        libToFloorCpu: lib?.opCpuMs !== undefined && floor?.opCpuMs ? lib.opCpuMs / floor.opCpuMs : undefined,
        cliToFloorProcessCpu: cli?.cpuS !== undefined && floor?.cpuS ? cli.cpuS / floor.cpuS : undefined,
        rssLibToFloor: lib?.maxRSSKiB && floor?.maxRSSKiB ? lib.maxRSSKiB / floor.maxRSSKiB : undefined,
      },
      loadAvg1: Math.max(...[lib, floor, cli].map((m) => m?.loadAvg1 ?? 0)),
      growth: {
        libUsPerResource: lib?.opMs !== undefined ? (lib.opMs * 1000) / r.resources : undefined,
        floorUsPerResource: floor?.opMs !== undefined ? (floor.opMs * 1000) / r.resources : undefined,
        cliUsPerResource: cli?.wallMs !== undefined ? (cli.wallMs * 1000) / r.resources : undefined,
        libKiBPerResource: lib?.maxRSSKiB !== undefined ? lib.maxRSSKiB / r.resources : undefined,
        cliKiBPerResource: cli?.maxRSSKiB !== undefined ? cli.maxRSSKiB / r.resources : undefined,
        floorKiBPerResource: floor?.maxRSSKiB !== undefined ? floor.maxRSSKiB / r.resources : undefined,
      },
    };
  });

  // Growth exponents: t ∝ n^k between consecutive sizes and end to end (k = 1 is linear). The
  // smallest size carries JIT warm-up, so the step between the two largest sizes is the telling one.
  const baseRss = startup?.nodeE0?.maxRSSKiB ?? (await runOnce(['-e', '0'], { timeoutS: 60 })).maxRSSKiB;
  const aboveBase = (kib) => (kib !== undefined && baseRss ? kib - baseRss : undefined);
  const series = {
    libTime: (r) => r.lib?.ms,
    cliTime: (r) => r.cli?.ms,
    floorTime: (r) => r.floor?.ms,
    // RSS above bare node, so the fixed runtime does not hide the slope.
    libRss: (r) => aboveBase(r.lib?.rssKiB),
    cliRss: (r) => aboveBase(r.cli?.rssKiB),
    floorRss: (r) => aboveBase(r.floor?.rssKiB),
  };
  const k = (a, b, get) => {
    const [va, vb] = [get(a), get(b)];
    return va > 0 && vb > 0 ? Math.log(vb / va) / Math.log(b.resources / a.resources) : undefined;
  };
  const steps = rows.slice(1).map((b, i) => ({ from: rows[i].resources, to: b.resources, ...Object.fromEntries(Object.entries(series).map(([name, get]) => [name, k(rows[i], b, get)])) }));
  const growth = {
    overall: rows.length >= 2 ? Object.fromEntries(Object.entries(series).map(([name, get]) => [name, k(rows[0], rows[rows.length - 1], get)])) : {},
    steps,
  };
  const maxStep = (name) => {
    const v = steps.map((st) => st[name]).filter((x) => x !== undefined);
    return v.length ? Math.max(...v) : undefined;
  };

  // Targets.
  const largest = rows[rows.length - 1];
  const worstRatio = Math.max(...rows.map((r) => r.ratio.libToFloor ?? NaN).filter(Number.isFinite));
  const worstCliRatio = Math.max(...rows.map((r) => r.ratio.cliToFloorProcess ?? NaN).filter(Number.isFinite));
  const anyTimeout = rows.some((r) => r.lib?.timedOut || r.cli?.timedOut);
  const maxRss = Math.max(...rows.filter((r) => r.resources >= 50000).flatMap((r) => [r.lib?.rssKiB, r.cli?.rssKiB]).filter((x) => x !== undefined));
  const has50k = rows.some((r) => r.resources >= 50000);
  const targets = {
    ratioToFloor: { target: 'kharden library / floor (wall, in-process) ≤ 2.0 at every size', value: Number.isFinite(worstRatio) ? worstRatio : undefined, cliValue: Number.isFinite(worstCliRatio) ? worstCliRatio : undefined, met: Number.isFinite(worstRatio) && !anyTimeout ? worstRatio <= 2.0 : anyTimeout ? false : undefined },
    startup: { target: 'single manifest CLI within 100 ms of `node -e 0`', value: startup?.deltaMs, met: startup?.deltaMs !== undefined ? startup.deltaMs <= 100 : undefined },
    linear: {
      target: 'linear growth 1k → 50k: every step between sizes has time ∝ n^k and RSS-above-node ∝ n^k with k ≤ 1.15 (library and CLI)',
      value: { libTime: maxStep('libTime'), cliTime: maxStep('cliTime'), libRss: maxStep('libRss'), cliRss: maxStep('cliRss') },
      met: anyTimeout
        ? false
        : steps.length === 0 || maxStep('libTime') === undefined
          ? undefined
          : ['libTime', 'cliTime', 'libRss', 'cliRss'].every((n) => (maxStep(n) ?? 0) <= 1.15) && rows.every((r) => !r.lib?.failed && !r.cli?.failed),
    },
    rss50k: { target: '50k resources within 2 GiB peak RSS (library and CLI)', valueKiB: has50k && Number.isFinite(maxRss) ? maxRss : undefined, met: has50k && Number.isFinite(maxRss) && !anyTimeout ? maxRss <= 2 * 1024 * 1024 : has50k && anyTimeout ? false : undefined },
  };

  // Print.
  console.log('\nThroughput (median of ' + repeats + '; library and floor timed in-process, CLI is the whole process)');
  const tRows = [];
  for (const r of rows) {
    const mib = (r.bytes / 1048576).toFixed(1);
    const line = (label, m, ms, cpu) => {
      if (m === undefined) return undefined;
      const t = ms ?? m.ms;
      const bad = m.timedOut || m.failed || t === undefined;
      return [
        `${fmt.num(r.resources)} (${mib} MiB)`,
        label,
        m.timedOut ? 'TIMEOUT' : m.failed ? 'FAILED' : fmt.ms(t),
        bad ? '—' : fmt.ms(cpu ?? m.cpuMs),
        bad ? '—' : fmt.num(r.resources / (t / 1000)),
        bad ? '—' : fmt.num(r.bytes / 1e6 / (t / 1000), 2),
        fmt.mib(m.rssKiB),
      ];
    };
    tRows.push(line('kharden library', r.lib), line('floor (yaml) in-process', r.floor), line('kharden CLI', r.cli), line('CLI + SARIF, MD, HTML, JSON reports', r.reports), line('floor (yaml) process', r.floor, r.floor?.processMs, r.floor?.processCpuMs));
  }
  console.log(table(['resources', 'what', 'wall', 'CPU', 'res/s', 'MB/s', 'peak RSS'], tRows.filter(Boolean)));

  console.log('\nRatio kharden / floor');
  console.log(table(['resources', 'library / floor', '(CPU time)', 'CLI / floor process', '(CPU time)', 'RSS library / floor', 'load avg'], rows.map((r) => [fmt.num(r.resources), fmt.ratio(r.ratio.libToFloor), fmt.ratio(r.ratio.libToFloorCpu), fmt.ratio(r.ratio.cliToFloorProcess), fmt.ratio(r.ratio.cliToFloorProcessCpu), fmt.ratio(r.ratio.rssLibToFloor), fmt.num(r.loadAvg1, 1)])));

  console.log('\nGrowth (per resource)');
  console.log(table(['resources', 'library µs/res', 'CLI µs/res', 'floor µs/res', 'library KiB/res', 'CLI KiB/res', 'floor KiB/res'], rows.map((r) => [fmt.num(r.resources), fmt.num(r.growth.libUsPerResource, 1), fmt.num(r.growth.cliUsPerResource, 1), fmt.num(r.growth.floorUsPerResource, 1), fmt.num(r.growth.libKiBPerResource, 2), fmt.num(r.growth.cliKiBPerResource, 2), fmt.num(r.growth.floorKiBPerResource, 2)])));
  if (steps.length) {
    console.log('\nGrowth exponents k (t ∝ n^k; 1.00 = linear)');
    const g = (x) => fmt.num(x, 2);
    const all = [...steps.map((st) => [`${fmt.num(st.from)} → ${fmt.num(st.to)}`, st]), ...(steps.length > 1 ? [[`${fmt.num(rows[0].resources)} → ${fmt.num(rows[rows.length - 1].resources)}`, growth.overall]] : [])];
    console.log(table(['step', 'library time', 'CLI time', 'floor time', 'library RSS', 'CLI RSS', 'floor RSS'], all.map(([label, st]) => [label, g(st.libTime), g(st.cliTime), g(st.floorTime), g(st.libRss), g(st.cliRss), g(st.floorRss)])));
  }

  if (reruns.length) {
    console.log(`\nAlready-hardened input (kharden's own output again: ${reruns.map((r) => `${fmt.num(r.edits)} edits`).join(', ')}; median of ${repeats}, in-process)`);
    console.log(table(['resources', 'kharden library', 'floor (yaml)', 'ratio', 'library RSS', 'floor RSS'], reruns.map((r) => [`${fmt.num(r.resources)} (${(r.bytes / 1048576).toFixed(1)} MiB)`, fmt.ms(r.lib.opMs), fmt.ms(r.floor.opMs), fmt.ratio(r.ratio), fmt.mib(r.lib.maxRSSKiB), fmt.mib(r.floor.maxRSSKiB)])));
  }

  if (startup) {
    console.log(`\nStart-up (median of ${smallRuns} whole processes)`);
    console.log(table(['command', 'wall', 'peak RSS'], [['node -e 0', fmt.ms(startup.nodeE0.wallMs), fmt.mib(startup.nodeE0.maxRSSKiB)], ['node bin/kharden.js small.yaml', fmt.ms(startup.cliSmall.wallMs), fmt.mib(startup.cliSmall.maxRSSKiB)]]));
    console.log(`difference: ${fmt.ms(startup.deltaMs)}`);
    if (startup.hyperfine) console.log(`hyperfine cross-check (median of ${smallRuns}, no shell): node -e 0 ${fmt.ms(startup.hyperfine.nodeE0Ms)}, CLI ${fmt.ms(startup.hyperfine.cliSmallMs)}, difference ${fmt.ms(startup.hyperfine.cliSmallMs - startup.hyperfine.nodeE0Ms)}`);
  }

  console.log('\nTargets');
  const yn = (m) => (m === undefined ? 'not measured' : m ? 'MET' : 'MISSED');
  console.log(`  ratio to floor ≤ 2.0 ............ ${yn(targets.ratioToFloor.met)} (worst library ${fmt.ratio(targets.ratioToFloor.value)}; CLI vs floor process, for information: worst ${fmt.ratio(targets.ratioToFloor.cliValue)}${anyTimeout ? '; a run timed out' : ''})`);
  console.log(`  start-up within 100 ms of node .. ${yn(targets.startup.met)} (+${fmt.ms(targets.startup.value)})`);
  const lv = targets.linear.value;
  console.log(`  linear growth ................... ${yn(targets.linear.met)} (worst step k: library time ${fmt.num(lv.libTime, 2)}, CLI time ${fmt.num(lv.cliTime, 2)}, library RSS ${fmt.num(lv.libRss, 2)}, CLI RSS ${fmt.num(lv.cliRss, 2)}${anyTimeout ? '; a run timed out' : ''})`);
  console.log(`  50k within 2 GiB RSS ............ ${yn(targets.rss50k.met)} (${fmt.mib(targets.rss50k.valueKiB)})`);

  // 5. The issue's three shapes side by side, as ratios of this one run.
  const rr = (a, b) => (a !== undefined && b ? a / b : undefined);
  const side = [];
  for (const r of realResults) {
    side.push({ shape: `real: ${r.name} (${r.documents} docs, ${(r.bytes / 1048576).toFixed(1)} MiB)`, goal: 0.3, cliMs: r.cli?.wallMs, floorMs: r.floor?.wallMs, ratio: rr(r.cli?.wallMs, r.floor?.wallMs), cpuRatio: rr(r.cli?.cpuS, r.floor?.cpuS), libRatio: rr(r.lib?.opMs, r.floor?.opMs), rssRatio: rr(r.cli?.maxRSSKiB, r.floor?.maxRSSKiB), loadAvg1: r.cli?.loadAvg1 });
  }
  for (const r of rows) {
    if (r.resources < 10000) continue;
    side.push({ shape: `generated: ${fmt.num(r.resources)} resources (${(r.bytes / 1048576).toFixed(1)} MiB)`, goal: 1.0, cliMs: r.cli?.ms, floorMs: r.floor?.processMs, ratio: r.ratio.cliToFloorProcess, cpuRatio: r.ratio.cliToFloorProcessCpu, libRatio: r.ratio.libToFloor, rssRatio: rr(r.cli?.rssKiB, r.floor?.rssKiB), loadAvg1: r.loadAvg1 });
  }
  if (startup) side.push({ shape: 'one small manifest vs `node -e 0`', goal: 1.5, cliMs: startup.cliSmall.wallMs, floorMs: startup.nodeE0.wallMs, ratio: rr(startup.cliSmall.wallMs, startup.nodeE0.wallMs), cpuRatio: rr(startup.cliSmall.cpuS, startup.nodeE0.cpuS), rssRatio: rr(startup.cliSmall.maxRSSKiB, startup.nodeE0.maxRSSKiB), loadAvg1: startup.cliSmall.loadAvg1 });
  if (side.length) {
    console.log('\nSide by side (issue 15): kharden CLI as a whole process / the floor as a whole process (yaml parseAllDocuments + toString; `node -e 0` for the small manifest)');
    console.log(table(['shape', 'kharden', 'floor', 'ratio (wall)', '(CPU)', 'library / floor in-process', 'RSS ratio', 'goal', 'met', 'load'], side.map((x) => [x.shape, fmt.ms(x.cliMs), fmt.ms(x.floorMs), fmt.ratio(x.ratio), fmt.ratio(x.cpuRatio), fmt.ratio(x.libRatio), fmt.ratio(x.rssRatio), `≤ ${x.goal.toFixed(1)}×`, x.ratio === undefined ? '—' : x.ratio <= x.goal ? 'yes' : 'no', fmt.num(x.loadAvg1, 1)])));
  }

  const out = {
    generatedAt: new Date().toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: mach,
    config: { sizes, repeats, smallRuns, timeoutS, seed, profile: env.BENCH_PROFILE || 'restricted', chain },
    streams: streams.map(({ n, file, bytes, lines, kinds }) => ({ resources: n, file: path.relative(ROOT, file), bytes, lines, kinds })),
    raw: results,
    rows,
    growth,
    startup,
    alreadyHardened: reruns,
    real: realResults,
    sideBySide: side,
    targets,
  };
  fs.writeFileSync(path.join(OUT, 'results.json'), JSON.stringify(out, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(ROOT, path.join(OUT, 'results.json'))} (${out.durationS} s)`);
}

// Entry point (last, so every top-level constant above is initialised).
if (process.argv[2] === '--child') await child(process.argv[3], process.argv[4]);
else await orchestrate();
