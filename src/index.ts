/** Library entry: harden text with a resolved profile. */
export { hardenText } from './core/engine.js';
export type { FileResult, AppliedEdit, ReportedFinding, HardenOptions, ChainLink } from './core/engine.js';
export { resolveProfile } from './profiles/resolve.js';
export { buildReport, renderJson, renderText } from './report/build.js';
export type { Transform, Edit, Finding, Target } from './core/types.js';
