import transform from '../../transforms/set-windows-pod-os.js';
import { runTransformFixtures } from '../helpers/harness.js';

runTransformFixtures(transform);
