/** The unified diff of one file (input → hardened output) that the HTML report shows. */
import { createTwoFilesPatch } from 'diff';

export function unifiedDiff(file: string, input: string, output: string): string {
  // Context 3, as `diff -u` and `kharden --diff`.
  return createTwoFilesPatch(file, file, input, output, 'input', 'hardened', { context: 3 });
}
