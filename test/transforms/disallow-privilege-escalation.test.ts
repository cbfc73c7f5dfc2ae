import transform from '../../transforms/disallow-privilege-escalation.js';
import { runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);
