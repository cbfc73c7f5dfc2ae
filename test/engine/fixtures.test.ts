/**
 * Engine fixture pairs: every kind with a pod template, List, multi-document streams, JSON,
 * anchors and insertion placement, hardened with the three transforms of the engine issue
 * (a fixed chain, so later profile changes do not move these expectations).
 */
import * as path from 'node:path';
import { describe } from 'vitest';
import seccomp from '../../transforms/set-seccomp-runtime-default.js';
import caps from '../../transforms/drop-all-capabilities.js';
import privesc from '../../transforms/disallow-privilege-escalation.js';
import { REPO_ROOT, runFixtureDir, chainOf } from '../helpers/harness.js';

describe('engine fixtures', () => {
  runFixtureDir(path.join(REPO_ROOT, 'test/engine/fixtures'), [...chainOf(seccomp), ...chainOf(caps), ...chainOf(privesc)], 'engine');
});
