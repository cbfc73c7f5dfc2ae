/** How the writer spells a new scalar: it must read back (YAML 1.1) as exactly the value. */
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { renderScalar } from '../../src/yaml/write.js';

describe('renderScalar', () => {
  test.each([
    ['a plain word', 'RuntimeDefault', 'RuntimeDefault'],
    ['a word YAML 1.1 reads as a boolean', 'yes', '"yes"'],
    ['a number-like string', '0777', '"0777"'],
    ['a path', '/tmp', '/tmp'],
    ['a string with ": "', 'a: b', '"a: b"'],
    ['null', null, 'null'],
    ['an integer', 65532, '65532'],
    ['false', false, 'false'],
    ['NaN', NaN, '.nan'],
    ['Infinity', Infinity, '.inf'],
    ['-Infinity', -Infinity, '-.inf'],
  ])('%s', (_name, value, spelled) => {
    const text = renderScalar(value, false);
    expect(text).toBe(spelled);
    expect(parse(`v: ${text}`, { version: '1.1' }).v).toEqual(value);
  });
});
