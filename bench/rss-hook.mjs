// Loaded with `node --import` only when /usr/bin/time is missing: records this process's peak RSS
// (KiB) in $BENCH_RSS_FILE on exit, so bench/run.mjs can report it for the CLI and `node -e 0`.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  if (process.env.BENCH_RSS_FILE) writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS));
});
