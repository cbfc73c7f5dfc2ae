#!/usr/bin/env node
// Returns every item but the last one.
import { parse, stringify } from 'yaml';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const list = parse(input);
list.items.pop();
process.stdout.write(stringify(list));
