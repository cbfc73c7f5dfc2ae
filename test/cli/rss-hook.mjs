// Preloaded into the CLI by the tests (`node --import ./rss-hook.mjs bin/kharden.js …`): on exit, writes
// the process's peak resident set size (KiB) to $KHARDEN_TEST_RSS_FILE so a case can bound memory.
import { writeFileSync } from 'node:fs';

process.on('exit', () => {
  const file = process.env.KHARDEN_TEST_RSS_FILE;
  if (file) {
    try {
      writeFileSync(file, String(process.resourceUsage().maxRSS));
    } catch {
      // Measuring must never change what the CLI does.
    }
  }
});
