/**
 * Builds the web console into console/dist (TypeScript bundled by esbuild, static files copied).
 *   npm run build
 */
import { cpSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the console into `outDir` (default console/dist); false when there are no console sources. */
export async function buildConsole(options: { quiet?: boolean; outDir?: string } = {}): Promise<boolean> {
  const src = path.join(ROOT, 'console/src');
  const entry = path.join(src, 'main.ts');
  if (!existsSync(entry)) return false;
  const out = options.outDir ?? path.join(ROOT, 'console/dist');
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    outfile: path.join(out, 'app.js'),
    sourcemap: true,
    minify: true,
    // CSS imported by the console (app.css) may bring packaged fonts: copied beside it, never fetched.
    loader: { '.woff2': 'file' },
    assetNames: 'assets/[name]-[hash]',
    logLevel: options.quiet ? 'error' : 'info',
  });
  const statics = path.join(ROOT, 'console/static');
  if (existsSync(statics)) cpSync(statics, out, { recursive: true });
  return true;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const built = await buildConsole();
  process.stdout.write(built ? 'console built into console/dist\n' : 'no console sources\n');
}
