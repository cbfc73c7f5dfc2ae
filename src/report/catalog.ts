/**
 * What a finding code means, for the reports that explain a finding to someone who did not run
 * kharden (SARIF rules, the pull-request comment, the HTML page): taken from what the reporting
 * transform declares in its `messages` (title, severity, advice) and its documentation link, so a
 * new code needs no entry anywhere else.
 */
import type { Severity } from '../core/types.js';

export interface FindingRule {
  /** One line, a noun phrase: what was found. */
  title: string;
  /** What is true of every finding with this code. */
  description: string;
  /** What the person who owns the workload should do. */
  help: string;
  /** The Kubernetes documentation page that explains it. */
  docs: string;
  /** The level the code is emitted at. */
  level: Severity;
}

const PSS = 'https://kubernetes.io/docs/concepts/security/pod-security-standards/';

/** The rule for a code, from its declaration (a code nothing declares gets a generic rule). */
export function describeFinding(code: string, level: Severity, transformDocs?: string, declared?: { severity: Severity; title: string; help?: string; pssCheck?: string }): FindingRule {
  const title = declared?.title ?? code;
  return {
    title,
    description: `${title}${declared?.pssCheck ? ` (Pod Security Standards check ${declared.pssCheck})` : ''}.`,
    help: declared?.help ?? "See the finding's message.",
    docs: transformDocs ?? PSS,
    level: declared?.severity ?? level,
  };
}

/**
 * What a human must look at: errors, and warnings (which is where kharden reports a default it
 * chose that may not fit the app: a memory limit, a UID for an image it does not know).
 */
export function needsAttention(_code: string, severity: Severity): boolean {
  return severity === 'error' || severity === 'warning';
}
