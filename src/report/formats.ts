/**
 * The report formats and how a path names one: small on purpose, so the CLI can check its
 * --report flags before any work without loading a renderer (src/report/render.ts does that only
 * when a report is written).
 */
export const REPORT_FORMATS = ['text', 'json', 'sarif', 'markdown', 'html'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

/** Aliases accepted by `--report-format`. */
const FORMAT_NAMES: Record<string, ReportFormat> = { text: 'text', txt: 'text', json: 'json', sarif: 'sarif', markdown: 'markdown', md: 'markdown', html: 'html', htm: 'html' };

/** `--report-format` value → format, or undefined for a name it does not know. */
export function parseFormat(name: string): ReportFormat | undefined {
  return FORMAT_NAMES[name.trim().toLowerCase()];
}

/** The format a report path's extension names, or undefined when it names none (`-`, `report`, `out.log`). */
export function formatFromPath(file: string): ReportFormat | undefined {
  const name = file.toLowerCase();
  // `.sarif.json` is how some CI systems name SARIF logs; check it before `.json`.
  if (name.endsWith('.sarif') || name.endsWith('.sarif.json')) return 'sarif';
  const ext = /\.([a-z0-9]+)$/.exec(name)?.[1];
  if (ext === 'json') return 'json';
  if (ext === 'md' || ext === 'markdown') return 'markdown';
  if (ext === 'html' || ext === 'htm') return 'html';
  if (ext === 'txt' || ext === 'text') return 'text';
  return undefined;
}

/** True when a format shows each file's diff, so buildReport must be given `diff`. */
export function formatNeedsDiffs(format: ReportFormat): boolean {
  return format === 'html';
}

