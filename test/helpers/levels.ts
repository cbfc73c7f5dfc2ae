/**
 * Pod Security levels of hardened workloads, judged from text: the input and the output are parsed
 * again and each workload's pod template is given to the evaluator, so nothing is taken from the
 * engine's own records but where the templates are.
 */
import type { FileResult, WorkloadRecord } from '../../src/core/engine.js';
import { getAt } from '../../src/lib/pointer.js';
import { evaluatePod } from '../../src/pss/index.js';
import type { PssLevel } from '../../src/pss/index.js';
import { parseStream } from '../../src/yaml/stream.js';

export const RANK: Record<PssLevel, number> = { privileged: 0, baseline: 1, restricted: 2 };

export function levelsFromText(result: FileResult): { workload: WorkloadRecord; before: PssLevel; after: PssLevel }[] {
  const input = parseStream(result.input, result.file);
  const output = parseStream(result.output, result.file);
  const levelIn = (docs: typeof input.documents, w: WorkloadRecord) => {
    const template = getAt(docs[w.document].value, w.templatePath) as Record<string, unknown>;
    return evaluatePod(template.metadata, template.spec).level;
  };
  return result.workloads.map((workload) => ({ workload, before: levelIn(input.documents, workload), after: levelIn(output.documents, workload) }));
}
