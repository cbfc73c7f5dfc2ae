/**
 * A list whose items are edited where they stand while the list also grows (a Secret mount gains
 * readOnly while read-only-root-filesystem appends a /tmp mount): the kept items are edited in
 * place, so comments and style inside the list survive, and the new items are appended.
 */
import * as path from 'node:path';
import { describe } from 'vitest';
import readOnlyRootFilesystem from '../../transforms/read-only-root-filesystem.js';
import mountSecretsReadOnly from '../../transforms/mount-secrets-read-only.js';
import { REPO_ROOT, runFixtureDir, chainOf } from '../helpers/harness.js';

describe('list items edited and appended in one document', () => {
  runFixtureDir(path.join(REPO_ROOT, 'test/engine/edited-and-appended'), [...chainOf(readOnlyRootFilesystem), ...chainOf(mountSecretsReadOnly)], 'edited-and-appended');
});
