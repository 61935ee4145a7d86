import { createHash, createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { VerifyCrypto } from '@hotline/shared';

/** node:crypto implementation of the verifier's primitives, with imported keys cached. */
export function nodeVerifyCrypto(): VerifyCrypto {
  const keys = new Map<string, KeyObject>();
  const key = (publicKey: string) => {
    let k = keys.get(publicKey);
    if (!k) {
      k = createPublicKey({ key: Buffer.from(publicKey, 'base64url'), format: 'der', type: 'spki' });
      keys.set(publicKey, k);
    }
    return k;
  };
  return {
    sha256Hex: (input) => createHash('sha256').update(input, 'utf8').digest('hex'),
    keyIdOf: (publicKey) => createHash('sha256').update(Buffer.from(publicKey, 'base64url')).digest('hex').slice(0, 32),
    verifyP256: (publicKey, input, signature) => {
      try {
        return verify('sha256', Buffer.from(input, 'utf8'), { key: key(publicKey), dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
      } catch {
        return false;
      }
    },
  };
}
