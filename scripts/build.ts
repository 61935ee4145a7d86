/**
 * Builds the web console into console/dist (TypeScript bundled by esbuild, static files copied).
 *   npm run build
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
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
  await buildServiceWorker(out, options.quiet ?? false);
  return true;
}

/**
 * The service worker (console/src/sw/index.ts → /sw.js), told the shell's files (everything built but
 * source maps and itself) and a version from their contents, which names its cache.
 */
async function buildServiceWorker(out: string, quiet: boolean): Promise<void> {
  const entry = path.join(ROOT, 'console/src/sw/index.ts');
  if (!existsSync(entry)) return;
  const files = (readdirSync(out, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(out, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .filter((f) => !f.endsWith('.map') && f !== 'sw.js')
    .sort();
  const hash = createHash('sha256');
  for (const f of files) hash.update(f).update(readFileSync(path.join(out, f)));
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    target: ['chrome110', 'firefox110', 'safari16'],
    outfile: path.join(out, 'sw.js'),
    minify: true,
    define: {
      SHELL_FILES: JSON.stringify(['/', ...files.map((f) => `/${f}`)]),
      SHELL_VERSION: JSON.stringify(hash.digest('hex').slice(0, 16)),
    },
    logLevel: quiet ? 'error' : 'info',
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const built = await buildConsole();
  process.stdout.write(built ? 'console built into console/dist\n' : 'no console sources\n');
}
