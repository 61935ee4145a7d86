import { beforeAll, describe, expect, it } from 'vitest';

// The build defines these in the worker's script; here, the files of a small build.
const g = globalThis as Record<string, unknown>;
g.SHELL_FILES = ['/', '/index.html', '/app-ABCD1234.js'];
g.SHELL_ON_DEMAND = ['/lang-ur-AB12CD34.js', '/lang-ps-EF56GH78.js', '/assets/naskh-IJ90KL12.woff2'];

let shell: typeof import('../../console/src/sw/shell-files.js');
beforeAll(async () => {
  shell = await import('../../console/src/sw/shell-files.js');
});

describe("the service worker's shell", () => {
  it('names a built file without its content hash, so a new version finds the language a console used', () => {
    expect(shell.withoutHash('/lang-ur-AB12CD34.js')).toBe('/lang-ur.js');
    expect(shell.withoutHash('/assets/naskh-IJ90KL12.woff2')).toBe('/assets/naskh.woff2');
    expect(shell.withoutHash('/index.html')).toBe('/index.html');
  });

  it("takes from the page's word (shell:keep) only this build's on-demand files", () => {
    expect(shell.keptPaths({ type: 'shell:keep', paths: ['/lang-ur-AB12CD34.js', '/assets/naskh-IJ90KL12.woff2'] })).toEqual(['/lang-ur-AB12CD34.js', '/assets/naskh-IJ90KL12.woff2']);
    // An older build's catalog, the API, another origin's path, a page, not a string: none is cached.
    expect(shell.keptPaths({ type: 'shell:keep', paths: ['/lang-ur-OLDHASH1.js', '/api/boot', '//elsewhere/lang-ur-AB12CD34.js', '/', 7, null] })).toEqual([]);
    for (const other of [null, 'shell:keep', { type: 'test:notification-action', tag: 'x' }, { type: 'shell:keep' }, { type: 'shell:keep', paths: '/lang-ur-AB12CD34.js' }]) {
      expect(shell.keptPaths(other)).toBeNull();
    }
  });

  it('serves from the shell only its own files and pages, never the API or the socket', () => {
    const origin = 'https://hotline.example';
    const at = (p: string) => new URL(p, origin);
    expect(shell.isShellRequest(at('/lang-ps-EF56GH78.js'), origin, 'cors')).toBe(true);
    expect(shell.isShellRequest(at('/app-ABCD1234.js'), origin, 'cors')).toBe(true);
    expect(shell.isShellRequest(at('/alerts'), origin, 'navigate')).toBe(true);
    expect(shell.isShellRequest(at('/api/boot'), origin, 'navigate')).toBe(false);
    expect(shell.isShellRequest(at('/socket.io/?EIO=4'), origin, 'cors')).toBe(false);
    expect(shell.isShellRequest(new URL('https://other.example/app-ABCD1234.js'), origin, 'cors')).toBe(false);
  });
});
