import { fromBase64Url, hex, type VerifyCrypto } from '@hotline/shared';

/**
 * The record verifier's primitives on WebCrypto (shared/src/verify.ts): SHA-256 through
 * crypto.subtle.digest and ECDSA P-256 / SHA-256 verification, with each public key imported once.
 * Secure contexts only (https or localhost), like everything else the console signs with.
 */
export function webCryptoVerify(subtle: SubtleCrypto = globalThis.crypto.subtle): VerifyCrypto {
  const encoder = new TextEncoder();
  const keys = new Map<string, Promise<CryptoKey>>();
  const key = (publicKey: string): Promise<CryptoKey> => {
    let k = keys.get(publicKey);
    if (!k) {
      // Copies into a fresh ArrayBuffer, which is what WebCrypto's BufferSource wants.
      k = subtle.importKey('spki', new Uint8Array(fromBase64Url(publicKey)), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
      keys.set(publicKey, k);
    }
    return k;
  };
  return {
    sha256Hex: async (input) => hex(new Uint8Array(await subtle.digest('SHA-256', encoder.encode(input)))),
    keyIdOf: async (publicKey) => hex(new Uint8Array(await subtle.digest('SHA-256', new Uint8Array(fromBase64Url(publicKey)))).subarray(0, 16)),
    verifyP256: async (publicKey, input, signature) => {
      try {
        return await subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, await key(publicKey), new Uint8Array(fromBase64Url(signature)), encoder.encode(input));
      } catch {
        // A malformed key or signature does not verify (the verifier names the entry).
        keys.delete(publicKey);
        return false;
      }
    },
  };
}
