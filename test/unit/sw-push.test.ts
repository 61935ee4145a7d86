import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Metafile } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { PushPayload } from '@hotline/shared';
import { alertTag, readPushPayload } from '../../console/src/sw/push-payload.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const valid: PushPayload = {
  v: 1,
  event: 'escalation',
  drill: true,
  title: 'EXERCISE ESCALATION: Drone L1, sev 2, Post A1: over the ridge',
  body: 'EXERCISE ESCALATION: Drone L1, sev 2, Post A1: over the ridge',
  items: [{ subject: 'alert', id: 'AL-l1-3', linkId: 'l1', step: 1, title: 'Drone L1', severity: 2, at: 1 }],
  id: 'ct-escalation-AL-l1-3-1-sup-b1-0',
  ack: { grant: 'a.b.c', url: '/api/alerts/ack-from-push', alerts: [{ alertId: 'AL-l1-3', quotedHash: 'a'.repeat(64) }], expiresAt: 2 },
};

describe("the service worker's reading of a push payload (light checks, no schema library)", () => {
  it('reads what the server sends (the zod schema PushPayload) and keeps the acknowledgement part', () => {
    expect(PushPayload.parse(valid)).toBeTruthy();
    const read = readPushPayload(JSON.parse(JSON.stringify(valid)));
    expect(read).toMatchObject({ v: 1, drill: true, title: valid.title, id: valid.id, ack: { url: '/api/alerts/ack-from-push', alerts: [{ alertId: 'AL-l1-3' }] } });
    expect(alertTag('AL-l1-3')).toBe('alert:AL-l1-3');
  });

  it('refuses what is not a payload, and drops an acknowledgement part that points elsewhere or is malformed', () => {
    for (const bad of [null, 'text', { ...valid, v: 2 }, { ...valid, items: [] }, { ...valid, title: 3 }, { ...valid, items: [{ id: 'x' }] }, { ...valid, drill: 'yes' }]) {
      expect(readPushPayload(bad)).toBeNull();
    }
    expect(readPushPayload({ ...valid, ack: { ...valid.ack, url: 'https://elsewhere.example/ack' } })?.ack).toBeUndefined();
    expect(readPushPayload({ ...valid, ack: { ...valid.ack, url: '//elsewhere.example/ack' } })?.ack).toBeUndefined();
    expect(readPushPayload({ ...valid, ack: { ...valid.ack, alerts: [{ alertId: 'AL-l1-3' }] } })?.ack).toBeUndefined();
    expect(readPushPayload({ ...valid, ack: undefined })).not.toBeNull();
  });

  it('keeps the service worker bundle free of zod', async () => {
    const result = await build({
      entryPoints: [path.join(ROOT, 'console/src/sw/index.ts')],
      bundle: true,
      format: 'iife',
      write: false,
      metafile: true,
      outdir: path.join(ROOT, 'test/artifacts/bundle-check-sw'),
      define: { SHELL_FILES: '[]', SHELL_ON_DEMAND: '[]', SHELL_VERSION: '"x"', SW_TEST_HOOKS: 'false' },
      logLevel: 'silent',
    });
    const inputs = Object.values((result.metafile as Metafile).outputs).flatMap((o) => Object.keys(o.inputs).filter((k) => o.inputs[k]!.bytesInOutput > 0));
    expect(inputs.some((p) => p.includes('console/src/sw/push.ts'))).toBe(true);
    expect(inputs.filter((p) => p.includes('/zod/'))).toEqual([]);
  });
});
