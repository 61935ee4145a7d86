import {
  AppError,
  ErrorCode,
  type EscalationPolicy,
  type EscalationTarget,
  type Link,
  type Post,
  type PublicUser,
  type SessionUser,
  type Severity,
  type Topology,
  type TopologyUser,
  type VisibleTopology,
} from '@hotline/shared';
import type { Principal } from './principal.js';

/**
 * Lookups over the validated topology and the access rules that follow from it. Pure: no I/O.
 */
export class TopologyIndex {
  #topology!: Topology;
  #version = 0;
  #links = new Map<string, Link>();
  #posts = new Map<string, Post>();
  #users = new Map<string, TopologyUser>();
  #policies = new Map<string, EscalationPolicy>();
  #linksByPost = new Map<string, Link[]>();
  #readable = new Map<string, readonly string[]>();
  readonly #listeners: ((next: Topology, previous: Topology) => void)[] = [];

  constructor(topology: Topology, version = 0) {
    this.#load(topology, version);
  }

  /** The configuration in force; replaced as a whole by `replace`. */
  get topology(): Topology {
    return this.#topology;
  }

  /** The configuration version in force (0: read from a file, not from the live configuration). */
  get version(): number {
    return this.#version;
  }

  /**
   * Swaps in a new configuration in one synchronous step: every lookup after it sees the new one, none
   * sees a mix. A version not newer than the one in force is ignored (returns false).
   */
  replace(topology: Topology, version: number): boolean {
    if (version <= this.#version) return false;
    const previous = this.#topology;
    this.#load(topology, version);
    for (const listener of this.#listeners) listener(topology, previous);
    return true;
  }

  /** Called after every swap, with the new and the previous configuration. */
  onChange(listener: (next: Topology, previous: Topology) => void): void {
    this.#listeners.push(listener);
  }

  #load(topology: Topology, version: number): void {
    const links = new Map<string, Link>();
    const posts = new Map<string, Post>();
    const users = new Map<string, TopologyUser>();
    const policies = new Map<string, EscalationPolicy>();
    const linksByPost = new Map<string, Link[]>();
    for (const l of topology.links) links.set(l.id, l);
    for (const p of topology.posts) posts.set(p.id, p);
    for (const u of topology.users) users.set(u.id, u);
    for (const p of topology.escalationPolicies) policies.set(p.id, p);
    for (const l of topology.links) {
      for (const postId of l.posts) {
        const list = linksByPost.get(postId) ?? [];
        list.push(l);
        linksByPost.set(postId, list);
      }
    }
    this.#topology = topology;
    this.#version = version;
    this.#links = links;
    this.#posts = posts;
    this.#users = users;
    this.#policies = policies;
    this.#linksByPost = linksByPost;
    this.#readable = new Map();
  }

  link(id: string): Link | undefined {
    return this.#links.get(id);
  }
  post(id: string): Post | undefined {
    return this.#posts.get(id);
  }
  user(id: string): TopologyUser | undefined {
    return this.#users.get(id);
  }
  /** Ids of the operators (supervisors included) of a post. */
  usersOfPost(postId: string): string[] {
    return [...this.#users.values()].filter((u) => u.role === 'operator' && u.post === postId).map((u) => u.id);
  }
  policy(id: string): EscalationPolicy | undefined {
    return this.#policies.get(id);
  }
  get links(): readonly Link[] {
    return this.#topology.links;
  }
  linksOfPost(postId: string): readonly Link[] {
    return this.#linksByPost.get(postId) ?? [];
  }
  /** The other end of a link. */
  otherPost(link: Link, postId: string): string {
    return link.posts[0] === postId ? link.posts[1] : link.posts[0];
  }

  principalFor(user: TopologyUser, token: { drill?: boolean | undefined; exp: number; sid?: string }): Principal {
    return {
      userId: user.id,
      sessionId: token.sid ?? '',
      name: user.name,
      role: user.role,
      sideId: user.side ?? (user.post ? (this.#posts.get(user.post)?.side ?? null) : null),
      postId: user.role === 'operator' ? (user.post ?? null) : null,
      supervisor: user.supervisor === true,
      sectors: new Set(user.sectors ?? []),
      joint: user.joint === true,
      drillOfficer: user.drillOfficer === true,
      drillOnly: token.drill === true,
      expiresAt: token.exp,
    };
  }

  sessionUser(user: TopologyUser): SessionUser {
    const p = this.principalFor(user, { exp: 0 });
    return {
      id: user.id,
      name: user.name,
      role: user.role,
      side: p.sideId,
      post: p.postId,
      supervisor: p.supervisor,
      sectors: [...p.sectors],
      joint: p.joint,
      drillOfficer: p.drillOfficer,
    };
  }

  // --- access rules ----------------------------------------------------------------------------

  /** A commander covers a post when it is in one of their sectors; the joint command covers all. */
  covers(principal: Principal, postId: string): boolean {
    if (principal.role !== 'commander') return false;
    if (principal.joint) return true;
    const post = this.#posts.get(postId);
    return post !== undefined && principal.sectors.has(post.sector);
  }

  canRead(principal: Principal, link: Link): boolean {
    switch (principal.role) {
      case 'operator':
        return principal.postId !== null && link.posts.includes(principal.postId);
      case 'commander':
        return this.covers(principal, link.posts[0]) || this.covers(principal, link.posts[1]);
      case 'monitor':
      case 'admin':
        return true;
    }
  }

  /** Only the operators of the two posts talk on a link. */
  canSend(principal: Principal, link: Link): boolean {
    return principal.role === 'operator' && principal.postId !== null && link.posts.includes(principal.postId);
  }

  /** The link `linkId` if the principal may read it; NOT_FOUND for no such link, FORBIDDEN for another's. */
  readableLink(principal: Principal, linkId: string): Link {
    const link = this.#links.get(linkId);
    if (!link) throw new AppError(ErrorCode.NOT_FOUND, `unknown link "${linkId}"`);
    if (!this.canRead(principal, link)) throw new AppError(ErrorCode.FORBIDDEN, `link "${linkId}" is not yours`);
    return link;
  }

  /** Ids of every link the principal may read, cached per user. */
  readableLinkIds(principal: Principal): readonly string[] {
    const cached = this.#readable.get(principal.userId);
    if (cached) return cached;
    const ids = this.#topology.links.filter((l) => this.canRead(principal, l)).map((l) => l.id);
    this.#readable.set(principal.userId, ids);
    return ids;
  }

  /**
   * The post a principal acts for on a link: an operator's own post; for a commander, `preferred` when
   * they cover it, else the end they cover. null when the principal cannot act for any end.
   */
  actingPost(principal: Principal, link: Link, preferred: string): string | null {
    if (principal.role === 'operator') return principal.postId !== null && link.posts.includes(principal.postId) ? principal.postId : null;
    if (principal.role !== 'commander') return null;
    if (this.covers(principal, preferred)) return preferred;
    const other = this.otherPost(link, preferred);
    return this.covers(principal, other) ? other : null;
  }

  // --- escalation -------------------------------------------------------------------------------

  policyFor(linkId: string, severity: Severity, drill: boolean): EscalationPolicy {
    const sel = this.#topology.policySelection;
    const id = drill
      ? sel.drill
      : (sel.byLink?.[linkId] ?? sel.bySeverity?.[String(severity) as '1' | '2' | '3' | '4'] ?? sel.default);
    return this.#policies.get(id)!;
  }

  /** The users an escalation level notifies, without duplicates, in topology order. */
  escalationTargets(targets: readonly EscalationTarget[], raiserPostId: string, counterpartPostId: string): string[] {
    const raiser = this.#posts.get(raiserPostId);
    const counterpart = this.#posts.get(counterpartPostId);
    const out = new Set<string>();
    for (const u of this.#topology.users) {
      for (const t of targets) {
        const hit =
          (t === 'counterpart-supervisors' && u.role === 'operator' && u.supervisor === true && u.post === counterpartPostId) ||
          (t === 'raiser-supervisors' && u.role === 'operator' && u.supervisor === true && u.post === raiserPostId) ||
          (t === 'counterpart-commanders' && u.role === 'commander' && !u.joint && counterpart !== undefined && (u.sectors ?? []).includes(counterpart.sector)) ||
          (t === 'raiser-commanders' && u.role === 'commander' && !u.joint && raiser !== undefined && (u.sectors ?? []).includes(raiser.sector)) ||
          (t === 'joint-command' && u.role === 'commander' && u.joint === true);
        if (hit) out.add(u.id);
      }
    }
    return [...out];
  }

  // --- what the API shows -----------------------------------------------------------------------

  visibleTopology(principal: Principal): VisibleTopology {
    const t = this.#topology;
    const everything = principal.role === 'admin' || principal.role === 'monitor' || principal.joint;
    const links = t.links.filter((l) => this.canRead(principal, l));
    const postIds = new Set(links.flatMap((l) => l.posts));
    if (principal.postId) postIds.add(principal.postId);
    const posts = t.posts.filter((p) => everything || postIds.has(p.id));
    const sectorIds = new Set(posts.map((p) => p.sector));
    const users = t.users
      .filter(
        (u) =>
          everything ||
          u.id === principal.userId ||
          (u.post !== undefined && postIds.has(u.post)) ||
          u.joint === true ||
          (u.sectors ?? []).some((s) => sectorIds.has(s)),
      )
      .filter((u) => principal.role === 'admin' || u.role !== 'admin' || u.id === principal.userId)
      .map(({ passwordHash: _hidden, ...rest }): PublicUser => rest);
    const visible: VisibleTopology = {
      name: t.name,
      sides: t.sides,
      sectors: t.sectors.filter((s) => everything || sectorIds.has(s.id)),
      posts,
      links,
      users,
      phrases: t.phrases,
      escalationPolicies: t.escalationPolicies,
      precedence: t.precedence,
    };
    if (t.map) visible.map = t.map;
    return visible;
  }
}
