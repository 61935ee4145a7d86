import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import * as core from '@hotline/shared/core';
import * as shared from '@hotline/shared';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The modules a bundle of `entry` pulls in, by path relative to the repository. */
async function bundledInputs(entry: string): Promise<string[]> {
  const result = await build({
    entryPoints: [path.join(ROOT, entry)],
    bundle: true,
    format: 'esm',
    write: false,
    metafile: true,
    outdir: path.join(ROOT, 'test/artifacts/bundle-check'),
    loader: { '.woff2': 'file', '.css': 'empty' },
    logLevel: 'silent',
  });
  const outputs = Object.values((result.metafile as Metafile).outputs).filter((o) => o.entryPoint);
  return outputs.flatMap((o) => Object.keys(o.inputs).filter((k) => o.inputs[k]!.bytesInOutput > 0));
}

describe('@hotline/shared/core: the zod-free part of the contract', () => {
  it('pulls in no zod and no schema module', async () => {
    const inputs = await bundledInputs('shared/src/core.ts');
    expect(inputs.some((p) => p.includes('shared/src/errors.ts'))).toBe(true);
    expect(inputs.filter((p) => p.includes('/zod/') || /shared\/src\/(scalars|entries|projections|requests|events|topology)\.ts$/.test(p))).toEqual([]);
  });

  it('keeps the console bundle free of zod', async () => {
    const inputs = await bundledInputs('console/src/main.ts');
    expect(inputs.some((p) => p.includes('console/src/model.ts'))).toBe(true);
    expect(inputs.filter((p) => p.includes('/zod/'))).toEqual([]);
  });

  it('is what the root export gives too, the same functions', () => {
    for (const [name, value] of Object.entries(core)) expect((shared as Record<string, unknown>)[name], name).toBe(value);
    expect(core.LIMITS.MESSAGE_TEXT_MAX).toBe(4000);
    expect(core.makeDeadlineId('l1', 7)).toBe('MSG-l1-7');
    expect(core.parseAlertId(core.makeAlertId('l1-x', 12))).toEqual({ linkId: 'l1-x', seq: 12 });
    expect(core.codePoints('a😀b')).toBe(3);
  });
});
