import transform from '../../transforms/allow-unprivileged-low-ports.js';
import { runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);
