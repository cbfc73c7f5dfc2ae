/**
 * Setup file for every project: before each test, one turn of the event loop. The vitest runner
 * goes from test to test without one, so a file of many short synchronous tests (a corpus swept
 * with test.each) would otherwise hold the worker's event loop for its whole run.
 */
import { beforeEach } from 'vitest';
import { turn } from './yielding.js';

beforeEach(() => turn());
