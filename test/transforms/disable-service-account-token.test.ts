import transform from '../../transforms/disable-service-account-token.js';
import { runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);
