import transform from '../../transforms/drop-all-capabilities.js';
import { runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);
