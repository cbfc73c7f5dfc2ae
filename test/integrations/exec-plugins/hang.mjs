#!/usr/bin/env node
// Never answers, and ignores SIGTERM: only a forced kill stops it.
process.on('SIGTERM', () => {});
setInterval(() => {}, 1000);
