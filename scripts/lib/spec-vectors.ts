/**
 * The test vectors of the specification live in fenced blocks of docs/record.md whose info string names
 * them: ```json spec:entry.message ... ```. These helpers find and rewrite those blocks, for the vector
 * generator (scripts/spec-vectors.ts) and the test that checks them against the code.
 */

export interface VectorBlock {
  name: string;
  /** The fence's language (json, text, ndjson). */
  lang: string;
  /** The block's content without the fences and without the final newline. */
  body: string;
}

const BLOCK = /^```(\w+) spec:([\w.-]+)\n([\s\S]*?)^```$/gm;

/** Every vector block of a markdown text, by name; a name used twice is an error. */
export function parseVectorBlocks(markdown: string): Map<string, VectorBlock> {
  const out = new Map<string, VectorBlock>();
  for (const m of markdown.matchAll(BLOCK)) {
    const [, lang, name, body] = m as unknown as [string, string, string, string];
    if (out.has(name)) throw new Error(`vector block ${name} appears twice`);
    out.set(name, { name, lang, body: body.replace(/\n$/, '') });
  }
  return out;
}

/** The markdown with each named block's body replaced; every name given must have a block. */
export function replaceVectorBlocks(markdown: string, bodies: ReadonlyMap<string, string>): string {
  const seen = new Set<string>();
  const out = markdown.replace(BLOCK, (whole, lang: string, name: string) => {
    const body = bodies.get(name);
    if (body === undefined) return whole;
    seen.add(name);
    return `\`\`\`${lang} spec:${name}\n${body}\n\`\`\``;
  });
  const missing = [...bodies.keys()].filter((n) => !seen.has(n));
  if (missing.length > 0) throw new Error(`the document has no block for ${missing.join(', ')}`);
  return out;
}
