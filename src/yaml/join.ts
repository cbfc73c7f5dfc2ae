/** Joining YAML streams as text. */

/** Joins several files' streams into one, adding `---` between files and a newline where one is missing. */
export function joinStream(outputs: string[]): string {
  let out = '';
  for (const output of outputs) {
    // A byte-order mark belongs only at the start of the stream; after a `---` it would become part of the first key.
    const text = out === '' ? output : output.replace(/^\uFEFF/, '');
    if (text === '') continue;
    if (out !== '') {
      // Separators take the line ending of the file before them, so CRLF files stay CRLF throughout.
      const eol = out.endsWith('\r\n') || (!out.endsWith('\n') && out.includes('\r\n')) ? '\r\n' : '\n';
      if (!out.endsWith('\n')) out += eol;
      if (!/^(---|%)/.test(text.replace(/^(\s*#[^\n]*\n|\s*\n)*/, ''))) out += `---${eol}`;
    }
    out += text;
  }
  return out;
}
