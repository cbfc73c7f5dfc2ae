/**
 * One entry point for every report format. Each renderer formats the same Report object (the edits
 * and findings the run made); none recomputes anything from the manifests.
 */
import type { Report } from './build.js';
import { renderJson, renderText } from './build.js';
import { renderSarif } from './sarif.js';
import type { SarifOptions } from './sarif.js';
import { renderMarkdown } from './markdown.js';
import type { MarkdownOptions } from './markdown.js';
import { renderHtml } from './html.js';
import type { ViewReport } from './view.js';
import type { ReportFormat } from './formats.js';

export { formatFromPath, formatNeedsDiffs, parseFormat, REPORT_FORMATS } from './formats.js';
export type { ReportFormat } from './formats.js';

export type RenderOptions = SarifOptions & MarkdownOptions;

export function renderReport(report: Report | ViewReport, format: ReportFormat, options: RenderOptions = {}): string {
  switch (format) {
    case 'json':
      return renderJson(report as Report);
    case 'sarif':
      return renderSarif(report, options);
    case 'markdown':
      return renderMarkdown(report, options);
    case 'html':
      return renderHtml(report);
    case 'text':
      return renderText(report as Report);
  }
}
