import { fromBase64Url, hex, signingInput, toBase64Url, type Sig, type SignedAct } from '@hotline/shared';

type PrivateKeyHandle = Parameters<typeof globalThis.crypto.subtle.sign>[1];
const ECDSA = { name: 'ECDSA', hash: 'SHA-256' } as const;
const encoder = new TextEncoder();

/**
 * The two operations the SDK runs per action, on a WebCrypto key made by WebCrypto: an ECDSA P-256 /
 * SHA-256 signature (IEEE P1363, r || s, as WebCrypto gives it) and a SHA-256 digest. The default is
 * WebCrypto itself (browsers and Node alike); a Node process may give node:crypto's synchronous ones
 * (client-sdk/src/node-crypto.ts), which cost a third of the CPU there. The key is made by WebCrypto
 * either way and is never exported.
 */
export interface ClientCrypto {
  sign(privateKey: PrivateKeyHandle, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array>;
  sha256(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array>;
}

export const webClientCrypto: ClientCrypto = {
  sign: async (privateKey, data) => new Uint8Array(await globalThis.crypto.subtle.sign(ECDSA, privateKey, data)),
  sha256: async (data) => new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data)),
};

/**
 * This client's own signing key: ECDSA P-256 made by WebCrypto (browsers and Node alike). The private
 * key never leaves WebCrypto (not extractable); signatures are made by `crypto` (WebCrypto by default).
 */
export class ActionSigner {
  private constructor(
    readonly keyId: string,
    /** base64url SPKI */
    readonly publicKey: string,
    readonly privateKey: PrivateKeyHandle,
    private readonly crypto: ClientCrypto,
  ) {}

  static async generate(crypto: ClientCrypto = webClientCrypto): Promise<ActionSigner> {
    const subtle = globalThis.crypto.subtle;
    const pair = (await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as {
      publicKey: Parameters<typeof subtle.exportKey>[1];
      privateKey: PrivateKeyHandle;
    };
    const spki = new Uint8Array(await subtle.exportKey('spki', pair.publicKey));
    const digest = await crypto.sha256(spki);
    return new ActionSigner(hex(digest.subarray(0, 16)), toBase64Url(spki), pair.privateKey, crypto);
  }

  async signInput(input: string): Promise<Sig> {
    const signature = await this.crypto.sign(this.privateKey, encoder.encode(input));
    return { keyId: this.keyId, value: toBase64Url(signature) };
  }

  sign(act: SignedAct, userId: string, fields: Record<string, unknown>): Promise<Sig> {
    return this.signInput(signingInput(act, userId, fields));
  }
}

/** Verifies an ECDSA P-256 signature (base64url) over a string with a base64url SPKI public key. */
export async function verifyP256(publicKey: string, input: string, signature: string): Promise<boolean> {
  try {
    const subtle = globalThis.crypto.subtle;
    // Copies into fresh ArrayBuffers, which is what WebCrypto's BufferSource wants.
    const key = await subtle.importKey('spki', new Uint8Array(fromBase64Url(publicKey)), { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
    return await subtle.verify(ECDSA, key, new Uint8Array(fromBase64Url(signature)), encoder.encode(input));
  } catch {
    return false;
  }
}
