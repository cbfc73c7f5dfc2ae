#!/usr/bin/env node
// Prints something that is not a ResourceList.
process.stdin.resume();
process.stdin.on('end', () => process.stdout.write('Hello! I processed your files: {{ oops\n'));
