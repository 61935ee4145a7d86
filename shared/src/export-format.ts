import type { Entry, EntryOf } from './entries.js';
import type { CosignatureShape } from './cosign.js';
import type { Checkpoint } from './events.js';

/**
 * The export format of a link's record (docs/record.md): line-delimited JSON, one object per line,
 * written by the server's export and read by the offline verifier (verify.ts), in the console and the
 * CLI alike. Free of zod (core.ts).
 *
 * Lines come in this order, so that a verifier checks everything in one pass as the export streams:
 *   header       the format, the link and its posts, the range, the head, the server key
 *   anchor       at most one: seq and hash of the entry just before the range (ranges not from seq 1)
 *   key          key.registered entries from before the range whose keys sign entries inside it
 *   policy       at most one: the last signature.policy entry before the range (the policy in force)
 *   checkpoint   the server checkpoints inside the range: before the entries, so each entry is checked
 *                against the checkpoint of its seq when it arrives; each carries the sides' cosignatures
 *   entry        every entry of the range, in seq order
 *   end          how many entries the export holds, and the last
 */
export const EXPORT_FORMAT = 'hotline-export/1';

export interface ExportHeaderLine {
  kind: 'header';
  format: typeof EXPORT_FORMAT;
  linkId: string;
  link: { id: string; name: string; posts: readonly string[] };
  posts: { id: string; side: string; name: string }[];
  sides: { id: string; name: string }[];
  exportedAt: number;
  exportedBy: string;
  range: { fromSeq: number; toSeq: number; from: number | null; to: number | null };
  head: { seq: number; hash: string };
  /** The key that signs the checkpoints (null: none in this export). */
  serverKey: { keyId: string; alg: 'ES256'; publicKey: string } | null;
}

export interface ExportAnchorLine {
  kind: 'anchor';
  seq: number;
  hash: string;
}

export interface ExportKeyLine {
  kind: 'key';
  entry: EntryOf<'key.registered'>;
}

export interface ExportPolicyLine {
  kind: 'policy';
  entry: EntryOf<'signature.policy'>;
}

export interface ExportCheckpointLine {
  kind: 'checkpoint';
  checkpoint: Checkpoint;
  /** The sides' cosignatures of this checkpoint (docs/record.md §7.6), first per side; absent when none. */
  cosignatures?: CosignatureShape[];
}

export interface ExportEntryLine {
  kind: 'entry';
  entry: Entry;
}

export interface ExportEndLine {
  kind: 'end';
  entries: number;
  last: { seq: number; hash: string } | null;
}

export type ExportLine = ExportHeaderLine | ExportAnchorLine | ExportKeyLine | ExportPolicyLine | ExportCheckpointLine | ExportEntryLine | ExportEndLine;
export type ExportLineKind = ExportLine['kind'];

/**
 * Kinds that must come before the first entry line: the anchor (the entry before the range, which the
 * first entry chains to), the signature policy in force at the range's start, and the checkpoints (each checked when the entry of its seq arrives).
 */
export const BEFORE_ENTRIES: ReadonlySet<ExportLineKind> = new Set<ExportLineKind>(['anchor', 'policy', 'checkpoint']);

/** One line of an export, without its newline. */
export function encodeExportLine(line: ExportLine): string {
  return JSON.stringify(line);
}
