/**
 * What the offline verifier needs of cryptography, supplied by its caller: node:crypto in the CLI,
 * WebCrypto in the console.
 */
export interface VerifyCrypto {
  /** SHA-256 of the UTF-8 bytes of a string, lowercase hex. */
  sha256Hex(input: string): string | Promise<string>;
  /** keyId of a base64url SPKI key: first 16 bytes of SHA-256 over the SPKI bytes, hex. */
  keyIdOf(publicKey: string): string | Promise<string>;
  /** ECDSA P-256 / SHA-256 check of a base64url IEEE-P1363 signature over a string. */
  verifyP256(publicKey: string, input: string, signature: string): boolean | Promise<boolean>;
}

/** A problem one of the verifier's checks found: the seq it concerns (null when none) and why. */
export class VerifyProblem extends Error {
  constructor(
    readonly seq: number | null,
    reason: string,
  ) {
    super(reason);
  }
}
