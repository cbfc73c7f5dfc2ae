/** RFC 6901 JSON Pointers. */

export function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw new Error(`invalid JSON Pointer ${JSON.stringify(pointer)}: must start with "/"`);
  const segments = pointer.slice(1).split('/');
  if (!pointer.includes('~')) return segments;
  return segments.map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export function formatPointer(segments: readonly (string | number)[]): string {
  return segments.map((s) => '/' + String(s).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

export function joinPointer(base: string, relative: string): string {
  return base + relative;
}

/** Reads the value at `pointer`, or undefined when any segment is missing. */
export function getAt(root: unknown, pointer: string | string[]): unknown {
  const segments = typeof pointer === 'string' ? parsePointer(pointer) : pointer;
  let node: unknown = root;
  for (const seg of segments) {
    if (Array.isArray(node)) {
      const i = Number(seg);
      if (!/^\d+$/.test(seg) || i >= node.length) return undefined;
      node = node[i];
    } else if (node !== null && typeof node === 'object') {
      if (!Object.prototype.hasOwnProperty.call(node, seg)) return undefined;
      node = (node as Record<string, unknown>)[seg];
    } else {
      return undefined;
    }
  }
  return node;
}
