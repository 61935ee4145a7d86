import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/** A built file with a content hash in its name (scripts/build.ts): its content never changes. */
const HASHED = /-[A-Za-z0-9]{8}\.[a-z0-9]+$/;

/**
 * Serves the built console for slow links: a file precompressed at build time (`.br`, `.gz` beside it)
 * goes out compressed to a browser that accepts it (brotli first); files with a content hash in their
 * name are cacheable for a year and immutable (a warm start fetches nothing but index.html, and that
 * only as a conditional request); everything else (index.html, favicon) is revalidated by ETag.
 * Requests for anything else fall through.
 */
export function consoleFiles(dir: string): RequestHandler {
  const root = path.resolve(dir);
  const exists = new Map<string, boolean>();
  const has = (file: string) => {
    let known = exists.get(file);
    if (known === undefined) {
      known = existsSync(file) && statSync(file).isFile();
      exists.set(file, known);
    }
    return known;
  };
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    let rel: string;
    try {
      rel = decodeURIComponent(req.path === '/' ? '/index.html' : req.path);
    } catch {
      return next();
    }
    const file = path.resolve(root, `.${rel}`);
    if (!file.startsWith(root + path.sep) || !has(file)) return next();
    const accepts = String(req.headers['accept-encoding'] ?? '');
    const encoding = /\bbr\b/.test(accepts) && has(`${file}.br`) ? 'br' : /\bgzip\b/.test(accepts) && has(`${file}.gz`) ? 'gzip' : null;
    const headers: Record<string, string> = {
      'Cache-Control': HASHED.test(file) ? 'public, max-age=31536000, immutable' : 'no-cache',
    };
    if (has(`${file}.br`) || has(`${file}.gz`)) headers.Vary = 'Accept-Encoding';
    if (encoding) headers['Content-Encoding'] = encoding;
    // The type of the file itself, not of its compressed copy.
    res.type(path.extname(file));
    const served = encoding ? `${file}.${encoding === 'br' ? 'br' : 'gz'}` : file;
    res.sendFile(served, { headers, lastModified: true, etag: true, dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) next(err);
    });
  };
}
