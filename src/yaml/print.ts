/** Printing whole new documents (resources kharden generates); existing text is never re-printed. */
import { stringify } from 'yaml';

export interface NewDocument {
  value: unknown;
  /** One line saying where it comes from, written as a comment above it. */
  comment: string;
}

/** A YAML stream of new documents, each with its comment, block style, two-space indent. */
export function printDocuments(docs: NewDocument[], eol: '\n' | '\r\n' = '\n'): string {
  const text = docs
    .map((d) => `# ${d.comment.replace(/\s*\n\s*/g, ' ')}\n` + stringify(d.value, { version: '1.1', lineWidth: 0, indent: 2, indentSeq: true }))
    .join('---\n');
  return eol === '\n' ? text : text.replace(/\n/g, '\r\n');
}
