import { createPublicKey, verify, webcrypto } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fromBase64Url, signingInput } from '@hotline/shared';
import { nodeClientCrypto } from '../../client-sdk/src/node-crypto.js';
import { ActionSigner, verifyP256, webClientCrypto } from '../../client-sdk/src/signer.js';

const encoder = new TextEncoder();
const fields = { linkId: 'l1', clientMsgId: 'nc-1', text: 'همه چیز آرام است — all quiet', precedence: 'routine', drill: false };

describe("the SDK's crypto on node:crypto", () => {
  it('signs with the WebCrypto key what WebCrypto and node:crypto verify, as P1363', async () => {
    const signer = await ActionSigner.generate(nodeClientCrypto);
    const sig = await signer.sign('hotline:send', 'op-a1', fields);
    expect(sig.keyId).toBe(signer.keyId);
    const raw = fromBase64Url(sig.value);
    expect(raw.length).toBe(64); // r || s, not DER
    const input = signingInput('hotline:send', 'op-a1', fields);
    expect(await verifyP256(signer.publicKey, input, sig.value)).toBe(true);
    const key = createPublicKey({ key: Buffer.from(fromBase64Url(signer.publicKey)), format: 'der', type: 'spki' });
    expect(verify('sha256', Buffer.from(input, 'utf8'), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(raw))).toBe(true);
    // Over other fields, the same signature does not verify.
    expect(await verifyP256(signer.publicKey, signingInput('hotline:send', 'op-a1', { ...fields, text: 'x' }), sig.value)).toBe(false);
  });

  it('gives the key the same id as WebCrypto would', async () => {
    const signer = await ActionSigner.generate(nodeClientCrypto);
    const spki = fromBase64Url(signer.publicKey);
    const web = await webClientCrypto.sha256(new Uint8Array(spki));
    expect(Buffer.from(web.subarray(0, 16)).toString('hex')).toBe(signer.keyId);
  });

  it('hashes as WebCrypto does', async () => {
    for (const text of ['', 'a', 'د غره په سر هر څه ارام دي', 'x'.repeat(10_000)]) {
      const data = encoder.encode(text);
      expect(Buffer.from(await nodeClientCrypto.sha256(data)).toString('hex')).toBe(Buffer.from(await webClientCrypto.sha256(data)).toString('hex'));
    }
  });

  it('refuses a key that is not a private signing key', async () => {
    const pair = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify']);
    await expect(nodeClientCrypto.sign(pair.publicKey, encoder.encode('x'))).rejects.toThrow();
  });
});
