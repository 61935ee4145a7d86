import type { Presence } from '@hotline/shared';
import type { Principal } from '../domain/principal.js';
import type { TopologyIndex } from '../domain/topology-index.js';
import type { Logger } from '../log.js';
import { presenceMember, type PresenceStore } from '../store/presence.js';
import type { Broadcaster } from './broadcaster.js';

/**
 * Online/offline state of posts: a post is online while at least one operator console of it is connected
 * to any node. Changes are announced to every console that reads one of the post's links.
 */
export class PresenceService {
  readonly #store: PresenceStore;
  readonly #topo: TopologyIndex;
  readonly #broadcast: Broadcaster;
  readonly #log: Logger;
  /** This node's consoles per post. */
  readonly #local = new Map<string, Set<string>>();

  constructor(deps: { store: PresenceStore; topo: TopologyIndex; broadcaster: Broadcaster; log: Logger }) {
    this.#store = deps.store;
    this.#topo = deps.topo;
    this.#broadcast = deps.broadcaster;
    this.#log = deps.log;
  }

  #announce(change: Presence | null): void {
    if (!change) return;
    this.#broadcast.presence(
      change,
      this.#topo.linksOfPost(change.postId).map((l) => l.id),
    );
  }

  /**
   * Announces the post's presence after a console joined or left: when the post came online or went
   * offline, or when the set of its operators connected changed while it stayed online.
   */
  async #announceAfter(postId: string, before: string[], change: Presence | null): Promise<void> {
    const operators = await this.#store.operators(postId);
    if (change) return this.#announce({ ...change, operators });
    if (operators.join(' ') === before.join(' ')) return;
    this.#announce((await this.#store.get([postId]))[0] ?? null);
  }

  /**
   * A console of a post connected. Consoles signed in with a drill token do not count: a drill pointed at
   * a live deployment must not make a post look manned, to its counterpart or to the escalation policy
   * of a real alert ("counterpart offline: escalate now").
   */
  async connected(principal: Principal, member: string): Promise<void> {
    if (!principal.postId || principal.drillOnly) return;
    const entry = presenceMember(member, principal.userId);
    const set = this.#local.get(principal.postId) ?? new Set();
    set.add(entry);
    this.#local.set(principal.postId, set);
    const before = await this.#store.operators(principal.postId);
    await this.#announceAfter(principal.postId, before, await this.#store.join(principal.postId, entry));
  }

  async disconnected(principal: Principal, member: string): Promise<void> {
    if (!principal.postId || principal.drillOnly) return;
    const entry = presenceMember(member, principal.userId);
    this.#local.get(principal.postId)?.delete(entry);
    const before = await this.#store.operators(principal.postId);
    await this.#announceAfter(principal.postId, before, await this.#store.leave(principal.postId, entry));
  }

  /** Presence of every post at either end of a link the principal may read. */
  async snapshotFor(principal: Principal): Promise<Presence[]> {
    const posts = new Set<string>();
    for (const id of this.#topo.readableLinkIds(principal)) for (const p of this.#topo.link(id)!.posts) posts.add(p);
    return this.#store.get([...posts]);
  }

  onlineNow(postId: string): Promise<boolean> {
    return this.#store.onlineNow(postId);
  }

  /** Refreshes this node's consoles and notices posts whose consoles all vanished (a node died). */
  async tick(): Promise<void> {
    const members = new Map<string, string[]>();
    for (const [post, set] of this.#local) if (set.size > 0) members.set(post, [...set]);
    await this.#store.refresh(members);
    const wentOffline = await this.#store.sweep(this.#topo.topology.posts.map((p) => p.id));
    for (const change of wentOffline) {
      this.#log.info({ postId: change.postId }, 'post went offline (consoles expired)');
      this.#announce({ ...change, operators: [] });
    }
  }

  /** Removes this node's consoles at shutdown so the counterpart sees the post go offline promptly. */
  async leaveAll(): Promise<void> {
    for (const [post, set] of this.#local) {
      for (const member of set) {
        const change = await this.#store.leave(post, member);
        this.#announce(change && { ...change, operators: await this.#store.operators(post) });
      }
    }
    this.#local.clear();
  }
}
