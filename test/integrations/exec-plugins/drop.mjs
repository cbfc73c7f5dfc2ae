#!/usr/bin/env node
// Returns every item but the first one.
import { parse, stringify } from 'yaml';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const list = parse(input);
list.items.shift();
process.stdout.write(stringify(list));
