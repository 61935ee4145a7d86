import { readFileSync } from 'node:fs';
import { TopologySchema, formatIssues, type Topology } from '@hotline/shared';

export class TopologyError extends Error {
  override readonly name = 'TopologyError';
}

/** Reads and validates a topology file. Throws TopologyError naming the file and every bad field. */
export function loadTopology(file: string): Topology {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new TopologyError(`cannot read topology file ${file}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new TopologyError(`topology file ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const result = TopologySchema.safeParse(raw);
  if (!result.success) {
    throw new TopologyError(`topology file ${file} is invalid:\n  ${formatIssues(result.error.issues).join('\n  ')}`);
  }
  return result.data;
}
