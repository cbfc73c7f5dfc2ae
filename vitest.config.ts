/**
 * Three projects, all run by `npm test` (and so by CI, .ci/run):
 *   unit   — in-process tests of transforms, engine, writer, report (seconds);
 *   cli    — the real binary end to end: every mode, every bad-input case (child processes);
 *   sweeps — corpus, property and mutation sweeps (thousands of hardenings each).
 * Tuned for CI: two cores, possibly loaded by other work.
 */
import { defineConfig } from 'vitest/config';
import { BaseSequencer } from 'vitest/node';
import type { TestSpecification } from 'vitest/node';

const CLI = ['test/cli/**/*.test.ts', 'test/bad-input/**/*.test.ts', 'test/integrations/**/*.test.ts'];
const SWEEPS = [
  'test/mutations.test.ts',
  'test/properties.test.ts',
  'test/corpus/**/*.test.ts',
  'test/pss/corpus-levels.test.ts',
  'test/pss/harden-psa-fixtures.test.ts',
];

/**
 * The cli and sweeps files first. Vitest orders files by their last duration, which a clean clone
 * (CI) does not have; then it goes by file size, and a short file that sweeps the whole corpus
 * would start last and run alone at the end.
 */
class HeavyFirst extends BaseSequencer {
  async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const heavy = (f: TestSpecification) => (f.project.name === 'unit' ? 0 : 1);
    return (await super.sort(files)).sort((a, b) => heavy(b) - heavy(a));
  }
}

export default defineConfig({
  test: {
    // Child processes, not threads: the CLI tests spawn processes and change process-wide state.
    pool: 'forks',
    // Vitest's default on two cores is one worker (cores - 1); the CLI tests spend most of their
    // time waiting for child processes, so a second worker has work to do while they wait.
    maxWorkers: 2,
    minWorkers: 1,
    // Timeouts catch hangs, not slowness: a loaded two-core machine runs everything several times
    // slower than an idle one. Speed is measured by `npm run bench`, never asserted here.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    // Long loops hand the event loop back (test/helpers/yielding.ts) so the worker answers
    // vitest's RPC in time; the first setup file does it between tests, the second measures it
    // (KHARDEN_TEST_LOOP_DELAY=<file>).
    setupFiles: ['test/helpers/yield-between-tests.ts', 'test/helpers/loop-delay.ts'],
    sequence: { sequencer: HeavyFirst },
    projects: [
      { extends: true, test: { name: 'unit', include: ['test/**/*.test.ts'], exclude: [...CLI, ...SWEEPS] } },
      { extends: true, test: { name: 'cli', include: CLI } },
      { extends: true, test: { name: 'sweeps', include: SWEEPS, testTimeout: 600_000, hookTimeout: 600_000 } },
    ],
  },
});
