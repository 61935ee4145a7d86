/**
 * Every Redis key the service uses, built in one place. Keys of one link share the hash tag
 * `{link:<id>}` so that every Lua script touches a single slot on Redis Cluster.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  #link(kind: string, linkId: string): string {
    return `${this.prefix}:${kind}:{link:${linkId}}`;
  }

  /** Stream of entries, id `<seq>-0`, one field `e` holding the entry JSON. */
  log(linkId: string): string {
    return this.#link('log', linkId);
  }
  /** Hash: seq, hash, ts of the last entry. */
  head(linkId: string): string {
    return this.#link('head', linkId);
  }
  /** Hash: idempotency key → "<seq>|<content digest>". */
  idem(linkId: string): string {
    return this.#link('idem', linkId);
  }
  /** Hash: "delivered:<postId>" and "read:<postId>" → seq. */
  cursors(linkId: string): string {
    return this.#link('cursors', linkId);
  }
  /** Sorted set of the seqs of messages sent by one post on a link (for unread counts). */
  messagesBy(linkId: string, postId: string): string {
    return `${this.prefix}:msgs:{link:${linkId}}:${postId}`;
  }
  /** Hash: alertId → alert JSON (the projection of the alert.* entries). */
  alerts(linkId: string): string {
    return this.#link('alerts', linkId);
  }
  /** Sorted set: alertId scored by raise time, of alerts still open or acknowledged. */
  activeAlerts(linkId: string): string {
    return this.#link('alerts-active', linkId);
  }
  /** Sorted set: alertId of open alerts scored by the time their next escalation is due. */
  alertsDue(linkId: string): string {
    return this.#link('alerts-due', linkId);
  }
  /** Sorted set: every alertId of the link scored by raise time. */
  alertsByTime(linkId: string): string {
    return this.#link('alerts-time', linkId);
  }

  /** Sorted set: "<nodeId>/<socketId>" of a post's connected operator consoles, scored by expiry. */
  presence(postId: string): string {
    return `${this.prefix}:presence:{post:${postId}}`;
  }
  /** String "<0|1>:<since ms>": the last announced presence of a post. */
  presenceState(postId: string): string {
    return `${this.prefix}:presence-state:{post:${postId}}`;
  }

  /** Hash: a user's console preferences (field "language"). */
  preferences(userId: string): string {
    return `${this.prefix}:prefs:{user:${userId}}`;
  }

  /** Sorted set: inbox position → "<alertId>#<step>", scored by position. */
  inbox(userId: string): string {
    return `${this.prefix}:inbox:{user:${userId}}`;
  }
  /** Hash: "<alertId>#<step>" → escalation JSON; "#next" the last position; "#read" the read position. */
  inboxData(userId: string): string {
    return `${this.prefix}:inbox-data:{user:${userId}}`;
  }

  /** Hash: deadline id → message deadline JSON (flash and immediate messages). */
  deadlines(linkId: string): string {
    return this.#link('deadlines', linkId);
  }
  /** Sorted set: deadline id of messages awaiting acknowledgement, scored by next escalation time. */
  deadlinesDue(linkId: string): string {
    return this.#link('deadlines-due', linkId);
  }
  /** Sorted set: deadline id of messages not yet acknowledged, scored by their deadline. */
  deadlinesAwaiting(linkId: string): string {
    return this.#link('deadlines-awaiting', linkId);
  }
  /** Sorted set: every deadline id scored by send time. */
  deadlinesByTime(linkId: string): string {
    return this.#link('deadlines-time', linkId);
  }
  /** Hash: checkId → line check JSON. */
  lineChecks(linkId: string): string {
    return this.#link('linechecks', linkId);
  }
  /** Sorted set: checkId scored by start time. */
  lineChecksByTime(linkId: string): string {
    return this.#link('linechecks-time', linkId);
  }
  /** Hash: "next" → the next scheduled line check time (ms). */
  lineCheckState(linkId: string): string {
    return this.#link('linecheck-state', linkId);
  }
  /** Hash: keyId → registered key JSON, per user. */
  userKeys(userId: string): string {
    return `${this.prefix}:keys:{user:${userId}}`;
  }
  /** Hash: keyId → seq of its key.registered entry in this link's log. */
  linkKeys(linkId: string): string {
    return this.#link('link-keys', linkId);
  }
  /** Sorted set: checkpoint JSON scored by seq. */
  checkpoints(linkId: string): string {
    return this.#link('checkpoints', linkId);
  }
  /** Hash: "<seq>:<side>" → the side's cosignature JSON of the checkpoint at seq (first per side). */
  cosignatures(linkId: string): string {
    return this.#link('cosignatures', linkId);
  }
  /** Hash: "current" → the signature policy the link's log last recorded; "<seq>" → the policy its signature.policy entry at seq set. */
  signaturePolicy(linkId: string): string {
    return this.#link('signature-policy', linkId);
  }
  /** String: the latest checkpoint JSON of a link. */
  lastCheckpoint(linkId: string): string {
    return this.#link('checkpoint', linkId);
  }
  /** String: the server's checkpoint signing key (PKCS#8 PEM), when not given by configuration. */
  serverKey(): string {
    return `${this.prefix}:server-key`;
  }
  /** String lock: the node that takes checkpoints this round. */
  checkpointLock(): string {
    return `${this.prefix}:checkpoint-lock`;
  }

  /** Counter of one rate-limit window; the subject ("user:<id>", "post:<id>", "ip:<addr>") is the hash tag. */
  rateLimit(subject: string, window: number): string {
    return `${this.prefix}:rl:{${subject}}:${window}`;
  }
  /** String: present while a username is locked out after failed logins. */
  loginLock(username: string): string {
    return `${this.prefix}:login-lock:{login:${username}}`;
  }

  /** Hash: sid → session JSON (device, address, first and last seen, revocation), per user. */
  sessions(userId: string): string {
    return `${this.prefix}:sessions:{user:${userId}}`;
  }
  /** Sorted set: revoked session ids, scored by the expiry of their last token (then they can go). */
  revokedSessions(): string {
    return `${this.prefix}:revoked-sessions`;
  }
  /** Pub/sub channel: JSON { sids, userIds, keys } of a revocation, so every node acts on it at once. */
  get revocationsChannel(): string {
    return `${this.prefix}:revocations`;
  }
  /** Hash: "version" and "topology" (JSON) of the live configuration; in the administration log's slot. */
  config(): string {
    return `${this.prefix}:config:{link:admin-log}`;
  }
  /** Pub/sub channel: the new version number after every configuration change. */
  get configChannel(): string {
    return `${this.prefix}:config-changed`;
  }
  /** Hash: failed logins per "<username>|<address>" → JSON { count, last }. */
  loginFailures(): string {
    return `${this.prefix}:login-failures`;
  }
  /** Hash: postId → JSON { userId, since, seq } of the operator on duty at each end of a link (from duty.handover entries). */
  linkDuty(linkId: string): string {
    return this.#link('duty', linkId);
  }

  /**
   * Pub/sub channel: every append, published by its own script: "<linkId> <seq> <hash> <ts> <node>" of
   * the new head, then the entries' JSON, a line each (every node's cached heads stay fresh, and every
   * other node pushes the entries to its consoles).
   */
  get headsChannel(): string {
    return `${this.prefix}:heads`;
  }

  /** BullMQ prefix; the braces keep every queue key in one slot on Redis Cluster. */
  get bullPrefix(): string {
    return `{${this.prefix}:bull}`;
  }
}
