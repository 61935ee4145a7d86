/**
 * Builds the web console into console/dist (TypeScript bundled by esbuild, static files copied).
 *   npm run build
 * For consoles on slow links (satellite, GPRS): every file but index.html gets a content hash in its
 * name (so the server can let browsers cache it for good: a new build has new names), and every text
 * file is compressed ahead of time beside itself as .br (brotli, best) and .gz (gzip, best), which the
 * server sends to browsers that accept them. index.html is small and revalidated on each start.
 * The script carries English; the other catalogs are files of their own (lang-<language>-<hash>.js),
 * fetched when that language is shown, and the service worker caches them (and the fonts) once used.
 */
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Files worth compressing (fonts are compressed already). */
const COMPRESSIBLE = /\.(js|css|html|svg|json|map|txt)$/;

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? walk(file) : [file];
  });
}

/** `name.ext` → `name-<hash>.ext` (8 hex of the SHA-256 of the content), the file renamed. */
function hashName(out: string, rel: string): string {
  const file = path.join(out, rel);
  const hash = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 8);
  const ext = path.extname(rel);
  const hashed = `${rel.slice(0, -ext.length)}-${hash}${ext}`;
  renameSync(file, path.join(out, hashed));
  return hashed;
}

/** Writes `file.br` and `file.gz` beside each compressible file, when they are smaller. */
export function precompress(dir: string): void {
  for (const file of walk(dir)) {
    if (!COMPRESSIBLE.test(file)) continue;
    const data = readFileSync(file);
    const br = brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: data.length } });
    const gz = gzipSync(data, { level: 9 });
    if (br.length < data.length) writeFileSync(`${file}.br`, br);
    if (gz.length < data.length) writeFileSync(`${file}.gz`, gz);
  }
}

/** Builds the console into `outDir` (default console/dist); false when there are no console sources. */
export async function buildConsole(options: { quiet?: boolean; outDir?: string; swTestHooks?: boolean } = {}): Promise<boolean> {
  const src = path.join(ROOT, 'console/src');
  const entry = path.join(src, 'main.ts');
  if (!existsSync(entry)) return false;
  const out = options.outDir ?? path.join(ROOT, 'console/dist');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // Every catalog but English (which is in the script) as a file of its own, lang-<language>-<hash>.js:
  // a console downloads the one it shows. Written in UTF-8 (module scripts always are), not \u escapes.
  const catalogDir = path.join(src, 'i18n/catalogs');
  const catalogBuild = await build({
    entryPoints: Object.fromEntries(
      readdirSync(catalogDir)
        .filter((f) => f.endsWith('.ts') && f !== 'en.ts')
        .map((f) => [`lang-${path.basename(f, '.ts')}`, path.join(catalogDir, f)]),
    ),
    bundle: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    outdir: out,
    entryNames: '[name]-[hash]',
    charset: 'utf8',
    sourcemap: true,
    minify: true,
    metafile: true,
    logLevel: options.quiet ? 'error' : 'info',
  });
  const catalogFiles = new Map<string, string>();
  for (const [file, meta] of Object.entries(catalogBuild.metafile.outputs)) {
    if (meta.entryPoint) catalogFiles.set(path.basename(meta.entryPoint, '.ts'), `/${path.relative(out, path.resolve(ROOT, file)).split(path.sep).join('/')}`);
  }
  await build({
    entryPoints: [entry],
    bundle: true,
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    outdir: out,
    entryNames: 'app-[hash]',
    // The catalogs of Urdu, Pashto and Dari, imported when chosen (i18n/index.ts), are the files built
    // above, by their hashed names: not bundled (no chunk shared with the script either, which would
    // cost a start a round trip more).
    plugins: [
      {
        name: 'catalog-files',
        setup(b) {
          b.onResolve({ filter: /\/catalogs\/[^/]+\.js$/ }, (args) => {
            const file = args.kind === 'dynamic-import' ? catalogFiles.get(path.basename(args.path, '.js')) : undefined;
            return file ? { path: file, external: true } : undefined;
          });
        },
      },
    ],
    sourcemap: true,
    minify: true,
    // CSS imported by the console (app.css) may bring packaged fonts: copied beside it, never fetched.
    loader: { '.woff2': 'file' },
    assetNames: 'assets/[name]-[hash]',
    logLevel: options.quiet ? 'error' : 'info',
  });
  const statics = path.join(ROOT, 'console/static');
  if (existsSync(statics)) cpSync(statics, out, { recursive: true });
  // The stylesheet from static/ gets a hashed name too; index.html names them all.
  const names = new Map<string, string>();
  for (const name of readdirSync(out)) {
    const m = /^app-[A-Z0-9]+\.(js|css)$/.exec(name);
    if (m) names.set(`/app.${m[1]}`, `/${name}`);
  }
  if (existsSync(path.join(out, 'console.css'))) names.set('/console.css', `/${hashName(out, 'console.css')}`);
  const index = path.join(out, 'index.html');
  if (existsSync(index)) {
    let html = readFileSync(index, 'utf8');
    for (const [plain, hashed] of names) html = html.replaceAll(`"${plain}"`, `"${hashed}"`);
    writeFileSync(index, html);
  }
  // The service worker lists the shell's files by their hashed names, and is compressed with them.
  await buildServiceWorker(out, options.quiet ?? false, options.swTestHooks ?? false);
  precompress(out);
  return true;
}

/** Files a console fetches only when it needs them: the catalogs but English, and the fonts. */
const ON_DEMAND = /^(lang-[^/]*\.js|assets\/[^/]*\.woff2)$/;

/**
 * The service worker (console/src/sw/index.ts → /sw.js), told the shell's files (everything built but
 * source maps and itself: those every start needs, cached at install, and those fetched on demand,
 * cached when first used) and a version from their contents, which names its cache. `testHooks` (test
 * builds only, never `npm run build`) lets a test press a notification's action through a message.
 */
export async function buildServiceWorker(out: string, quiet: boolean, testHooks = false): Promise<void> {
  const entry = path.join(ROOT, 'console/src/sw/index.ts');
  if (!existsSync(entry)) return;
  const files = (readdirSync(out, { recursive: true, withFileTypes: true }) as import('node:fs').Dirent[])
    .filter((d) => d.isFile())
    .map((d) => path.relative(out, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
    .filter((f) => !f.endsWith('.map') && !f.endsWith('.gz') && !f.endsWith('.br') && f !== 'sw.js')
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
      SHELL_FILES: JSON.stringify(['/', ...files.filter((f) => !ON_DEMAND.test(f)).map((f) => `/${f}`)]),
      SHELL_ON_DEMAND: JSON.stringify(files.filter((f) => ON_DEMAND.test(f)).map((f) => `/${f}`)),
      SHELL_VERSION: JSON.stringify(hash.digest('hex').slice(0, 16)),
      SW_TEST_HOOKS: JSON.stringify(testHooks),
    },
    logLevel: quiet ? 'error' : 'info',
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const built = await buildConsole();
  process.stdout.write(built ? 'console built into console/dist\n' : 'no console sources\n');
}
