import { entryHashInput, hex, type Entry, type EntrySeal, type HotlineSendRequest, type SessionUser } from '@hotline/shared';
import { webClientCrypto, type ClientCrypto } from './signer.js';

const encoder = new TextEncoder();

/** A seal as the server sends it; anything else is not one (and the entry is asked for instead). */
export function isEntrySeal(x: unknown): x is EntrySeal {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  return Number.isSafeInteger(s.seq) && Number.isSafeInteger(s.ts) && typeof s.prevHash === 'string' && typeof s.hash === 'string';
}

/**
 * The entry a hotline:send appended, rebuilt from what this client sent and the seal the server
 * answered with (HotlineSendRequest.reply = 'seal'), or null when the rebuilt entry does not hash to the
 * seal's hash: then it is not what the log holds, and the caller asks for the stored entry instead.
 */
export async function unsealSent(
  sent: HotlineSendRequest,
  user: Pick<SessionUser, 'id' | 'role' | 'post'>,
  seal: EntrySeal,
  crypto: ClientCrypto = webClientCrypto,
): Promise<Entry | null> {
  const entry = {
    linkId: sent.linkId,
    type: 'message' as const,
    actor: { userId: user.id, role: user.role, postId: user.post },
    drill: sent.drill ?? false,
    payload: { clientMsgId: sent.clientMsgId, text: sent.text, precedence: sent.precedence ?? 'routine' },
    ...(sent.sig ? { sig: sent.sig } : {}),
    seq: seal.seq,
    ts: seal.ts,
    prevHash: seal.prevHash,
    hash: seal.hash,
  };
  const digest = await crypto.sha256(encoder.encode(entryHashInput(entry)));
  return hex(digest) === seal.hash ? (entry as Entry) : null;
}
