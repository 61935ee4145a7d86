import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildConsole } from '../../scripts/build.js';
import { consoleFiles } from '../../server/src/http/static-files.js';

let dir: string;
let server: ReturnType<ReturnType<typeof express>['listen']>;
let base: string;

/** A raw GET (fetch would decompress and hide the encoding). */
function get(p: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${p}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'hotline-console-files-'));
  expect(await buildConsole({ quiet: true, outDir: dir })).toBe(true);
  const app = express();
  app.use(consoleFiles(dir));
  app.use((_req, res) => res.status(404).end('not here'));
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}, 60_000);

afterAll(() => {
  server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('console files for slow links', () => {
  it('names every script and stylesheet by its content hash, and index.html names those', () => {
    const html = readFileSync(path.join(dir, 'index.html'), 'utf8');
    const refs = [...html.matchAll(/(?:src|href)="\/([^"]+)"/g)].map((m) => m[1]!);
    expect(refs.filter((r) => /\.(js|css)$/.test(r))).toHaveLength(3);
    for (const r of refs) {
      // Scripts and stylesheets are cached for good, so they carry their hash; the web app manifest and
      // icons keep their names (a home-screen install refers to them) and are revalidated.
      if (/\.(js|css)$/.test(r)) expect(r).toMatch(/-[A-Za-z0-9]{8}\.(js|css)$/);
      expect(readdirSync(dir, { recursive: true })).toContain(r);
    }
  });

  it('sends the precompressed copy the browser accepts (brotli first), decompressing to the file itself', async () => {
    const js = readdirSync(dir).find((f) => /^app-.*\.js$/.test(f))!;
    const original = readFileSync(path.join(dir, js));
    const br = await get(`/${js}`, { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.status).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['content-type']).toMatch(/javascript/);
    expect(br.headers.vary).toBe('Accept-Encoding');
    expect(br.body.length).toBeLessThan(original.length / 2);
    expect(brotliDecompressSync(br.body).equals(original)).toBe(true);
    const gz = await get(`/${js}`, { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).equals(original)).toBe(true);
    const plain = await get(`/${js}`);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.equals(original)).toBe(true);
  });

  it('lets hashed files be cached for good and has index.html revalidated (304 when unchanged)', async () => {
    const css = readdirSync(dir).find((f) => /^console-.*\.css$/.test(f))!;
    expect((await get(`/${css}`)).headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const index = await get('/', { 'accept-encoding': 'br' });
    expect(index.headers['cache-control']).toBe('no-cache');
    expect(brotliDecompressSync(index.body).toString('utf8')).toContain('<div id="app">');
    const again = await get('/', { 'accept-encoding': 'br', 'if-none-match': String(index.headers.etag) });
    expect(again.status).toBe(304);
  });

  it('serves nothing outside its folder and passes unknown paths on', async () => {
    expect((await get('/..%2f..%2fetc%2fpasswd')).status).toBe(404);
    expect((await get('/nothing-here.js')).status).toBe(404);
  });
});
