/**
 * Every edit's input line is the line of its key in the input (or of its nearest existing parent),
 * however it was found: from the input's parse for the edits of the first write, through the first
 * write's splices for edits stream transforms make afterwards (service accounts, tokens, labels).
 * Checked against a fresh parse of each input document, over every real project as one run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { Document } from 'yaml';
import type { HardenOptions } from '../../src/core/engine.js';
import { hardenOptionsOf, resolveProfile } from '../../src/profiles/resolve.js';
import { loadProfileFile } from '../../src/io/profiles.js';
import { PARSE_OPTIONS } from '../../src/yaml/stream.js';
import { keyOffsetOf } from '../../src/yaml/locate.js';
import { SHARED } from '../helpers/harness.js';
import { projectInputs, runAccepting } from '../helpers/project-run.js';

const ROOT = path.join(SHARED, 'corpus/real');
const projects = fs.existsSync(ROOT) ? fs.readdirSync(ROOT).filter((d) => fs.statSync(path.join(ROOT, d)).isDirectory()).sort() : [];

let restricted: HardenOptions;
beforeAll(async () => {
  restricted = { ...hardenOptionsOf(await resolveProfile('restricted', loadProfileFile)), freezeTargets: true };
});

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

describe.skipIf(projects.length === 0)(projects.length ? 'edit lines over the real corpus' : `SKIPPED: ${ROOT} is absent`, () => {
  let checked = 0;
  let afterFirstWrite = 0;
  const STREAM = new Set(['create-service-accounts', 'disable-service-account-token', 'set-pod-security-labels']);
  test.each(projects)('%s: every edit names the input line of its key or nearest parent', async (project) => {
    const { inputs, result } = runAccepting(projectInputs(ROOT, project), restricted);
    for (const [i, file] of result.files.entries()) {
      if (!file.edits.length) continue;
      const text = inputs[i].text;
      const docs = parseAllDocuments(text, PARSE_OPTIONS) as Document.Parsed[];
      for (const e of file.edits) {
        expect(e.line, `${file.file} document ${e.document} ${e.transform} ${e.path}`).toBe(lineAt(text, keyOffsetOf(docs[e.document], e.path)));
        checked++;
        if (STREAM.has(e.transform)) afterFirstWrite++;
      }
    }
    await new Promise(setImmediate);
  });

  test('edits were checked, stream-stage ones among them', () => {
    expect(checked).toBeGreaterThan(4000);
    expect(afterFirstWrite).toBeGreaterThan(300);
  });
});
