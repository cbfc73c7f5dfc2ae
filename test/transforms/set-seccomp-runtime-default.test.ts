import transform from '../../transforms/set-seccomp-runtime-default.js';
import { runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);
