import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { ADMIN_LOG_ID, checkpointInput, toBase64Url, type Checkpoint } from '@hotline/shared';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { Logger } from '../log.js';
import type { CheckpointStore } from '../store/checkpoint-store.js';
import type { LinkLog } from '../store/link-log.js';
import type { Broadcaster } from './broadcaster.js';
import { keyIdOf } from './signature-service.js';

export interface ServerKey {
  keyId: string;
  alg: 'ES256';
  /** base64url SPKI */
  publicKey: string;
}

/**
 * The server's signing key (ECDSA P-256): from configuration (HOTLINE_SERVER_KEY, PKCS#8 PEM), or,
 * outside production, created once and shared by every node through Redis.
 */
export async function loadServerKey(store: CheckpointStore, configured: string | undefined): Promise<{ privateKey: KeyObject; info: ServerKey }> {
  const pem =
    configured ||
    (await store.sharedServerKey(() => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString()));
  const privateKey = createPrivateKey(pem.includes('BEGIN') ? pem : Buffer.from(pem, 'base64').toString('utf8'));
  if (privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') throw new Error('HOTLINE_SERVER_KEY must be an ECDSA P-256 private key');
  const spki = createPublicKey(privateKey).export({ format: 'der', type: 'spki' });
  return { privateKey, info: { keyId: keyIdOf(spki), alg: 'ES256', publicKey: toBase64Url(spki) } };
}

/**
 * Signs the head of each link log on a schedule. One node per round (a Redis lock) signs the links
 * whose head moved; consoles keep the latest checkpoint, so a log rewritten behind their back shows up
 * as a fork, and an export carries every checkpoint for the offline verifier.
 */
export class CheckpointService {
  readonly #store: CheckpointStore;
  readonly #log: LinkLog;
  readonly #topo: TopologyIndex;
  readonly #broadcast: Broadcaster;
  readonly #logger: Logger;
  readonly #privateKey: KeyObject;
  readonly serverKey: ServerKey;
  readonly #nodeId: string;

  constructor(deps: {
    store: CheckpointStore;
    log: LinkLog;
    topo: TopologyIndex;
    broadcaster: Broadcaster;
    logger: Logger;
    privateKey: KeyObject;
    serverKey: ServerKey;
    nodeId: string;
  }) {
    this.#store = deps.store;
    this.#log = deps.log;
    this.#topo = deps.topo;
    this.#broadcast = deps.broadcaster;
    this.#logger = deps.logger;
    this.#privateKey = deps.privateKey;
    this.serverKey = deps.serverKey;
    this.#nodeId = deps.nodeId;
  }

  sign(head: { linkId: string; seq: number; hash: string; ts: number }): Checkpoint {
    const sig = sign('sha256', Buffer.from(checkpointInput(head), 'utf8'), { key: this.#privateKey, dsaEncoding: 'ieee-p1363' });
    return { ...head, keyId: this.serverKey.keyId, sig: toBase64Url(sig) };
  }

  /** One round, if this node wins the lock for it: checkpoints every link whose head moved. */
  async tick(intervalMs: number): Promise<number> {
    if (!(await this.#store.claimRound(this.#nodeId, Math.max(50, intervalMs - 20)))) return 0;
    return this.checkpointAll();
  }

  /** Checkpoints every link whose head moved since its last checkpoint; returns how many. */
  async checkpointAll(): Promise<number> {
    // The administration log is checkpointed like every link's.
    const ids = [...this.#topo.links.map((l) => l.id), ADMIN_LOG_ID];
    const [heads, latest] = await Promise.all([this.#log.heads(ids), this.latest(ids)]);
    let made = 0;
    for (const id of ids) {
      const head = heads.get(id)!;
      if (head.seq === 0 || latest[id]?.seq === head.seq) continue;
      const cp = this.sign({ linkId: id, seq: head.seq, hash: head.hash, ts: Date.now() });
      await this.#store.save(cp);
      this.#broadcast.checkpoint(cp);
      made++;
    }
    if (made > 0) this.#logger.debug({ made }, 'checkpoints signed');
    return made;
  }

  /** The latest checkpoint of each link that has one. */
  latest(linkIds: readonly string[]): Promise<Record<string, Checkpoint>> {
    return this.#store.latest(linkIds);
  }

  /** Checkpoints of a link with seq in [fromSeq, toSeq]. */
  between(linkId: string, fromSeq: number, toSeq: number): Promise<Checkpoint[]> {
    return this.#store.between(linkId, fromSeq, toSeq);
  }
}
