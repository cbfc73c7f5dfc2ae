#!/usr/bin/env node
// CPU profile of the library call (hardenText on one generated stream), summarised by self time.
//
//   node bench/profile.mjs [RESOURCES]        default 10000; generates the stream if missing
//   node bench/profile.mjs --summarize FILE.cpuprofile
//
// Runs `node --cpu-prof bench/run.mjs --child lib bench/out/stream-N.yaml` (against dist/, or the
// benchmark's snapshot with KHARDEN_ROOT=bench/out/snapshot), writes the profile to
// bench/out/profile/, and prints the top functions by self time (whole process, and the share of
// the hardenText call) with kharden's own code mapped back to src/ and transforms/.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const BENCH_DIR = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.dirname(BENCH_DIR);
const OUT = path.join(BENCH_DIR, 'out');

function where(url) {
  if (!url) return '(native)';
  const p = url.startsWith('file://') ? fileURLToPath(url) : url;
  const rel = path.relative(ROOT, p);
  const nm = rel.indexOf('node_modules/');
  if (nm >= 0) return rel.slice(nm + 13).split('/').slice(0, 1).join('/') + ' (dep)';
  // dist/ of the repository or of the benchmark's snapshot (bench/out/snapshot/dist/).
  const d = rel.startsWith('dist/') ? 0 : rel.indexOf('/dist/') + 1;
  if (d > 0 || rel.startsWith('dist/')) return rel.slice(d + 5).replace(/\.js$/, '.ts');
  if (p.startsWith('node:')) return 'node internals';
  return rel.startsWith('..') ? p : rel;
}

export function summarize(file, top = 25) {
  const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
  const byId = new Map(prof.nodes.map((n) => [n.id, n]));
  const self = new Map();
  // Sample counts weighted by the time delta of each sample.
  const deltas = prof.timeDeltas;
  let total = 0;
  prof.samples.forEach((id, i) => {
    const dt = deltas[i + 1] ?? deltas[i] ?? 0;
    self.set(id, (self.get(id) ?? 0) + dt);
    total += dt;
  });
  const fnAgg = new Map();
  const fileAgg = new Map();
  for (const [id, t] of self) {
    const n = byId.get(id);
    const cf = n.callFrame;
    const file = where(cf.url);
    const fn = cf.functionName || (cf.url ? '(anonymous)' : cf.functionName || '(program)');
    const key = cf.url ? `${file}:${fn}` : `${fn}`;
    fnAgg.set(key, (fnAgg.get(key) ?? 0) + t);
    const fkey = cf.url ? file : fn === '(garbage collector)' ? '(garbage collector)' : '(native / runtime)';
    fileAgg.set(fkey, (fileAgg.get(fkey) ?? 0) + t);
  }
  // Inclusive time of kharden's functions (each sample counted once per function on its stack).
  const parent = new Map();
  for (const n of prof.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n) => `${where(n.callFrame.url)}:${n.callFrame.functionName || '(anonymous)'}`;
  const incl = new Map();
  for (const [id, t] of self) {
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const n = byId.get(cur);
      if (!/^file:/.test(n.callFrame.url)) continue;
      const k = label(n);
      if (!/^(src|transforms)\//.test(k) || seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + t);
    }
  }
  const pct = (t) => `${((100 * t) / total).toFixed(1).padStart(5)}%`;
  const lines = [`profile ${path.relative(ROOT, file)}: ${(total / 1e6).toFixed(1)} s sampled`];
  lines.push('', 'self time by file:');
  for (const [k, t] of [...fileAgg].sort((a, b) => b[1] - a[1]).slice(0, 15)) lines.push(`  ${pct(t)}  ${k}`);
  lines.push('', 'self time by function:');
  for (const [k, t] of [...fnAgg].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(t)}  ${k}`);
  lines.push('', "kharden's own code (src/, transforms/) by function:");
  for (const [k, t] of [...fnAgg].filter(([k]) => /^(src|transforms)\//.test(k)).sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(t)}  ${k}`);
  lines.push('', "kharden's own code by inclusive time (self + callees):");
  for (const [k, t] of [...incl].sort((a, b) => b[1] - a[1]).slice(0, top)) lines.push(`  ${pct(t)}  ${k}`);
  return { text: lines.join('\n'), total, functions: Object.fromEntries([...fnAgg].sort((a, b) => b[1] - a[1]).map(([k, t]) => [k, +((100 * t) / total).toFixed(2)])) };
}

if (process.argv[2] === '--summarize') {
  console.log(summarize(process.argv[3]).text);
} else {
  const n = Number(process.argv[2] ?? 10000);
  const stream = path.join(OUT, `stream-${n}.yaml`);
  if (!fs.existsSync(stream)) execFileSync(process.execPath, [path.join(BENCH_DIR, 'run.mjs'), '--generate'], { cwd: ROOT, env: { ...process.env, BENCH_SIZES: String(n) }, stdio: 'inherit' });
  const dir = path.join(OUT, 'profile');
  fs.mkdirSync(dir, { recursive: true });
  const name = `lib-${n}.cpuprofile`;
  fs.rmSync(path.join(dir, name), { force: true });
  execFileSync(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--cpu-prof-name', name, path.join(BENCH_DIR, 'run.mjs'), '--child', 'lib', stream], { cwd: ROOT, stdio: 'inherit' });
  const s = summarize(path.join(dir, name));
  console.log(s.text);
  fs.writeFileSync(path.join(dir, `lib-${n}.summary.json`), JSON.stringify(s.functions, null, 2) + '\n');
}
