import transform from '../../transforms/read-only-root-filesystem.js';
import { runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);
