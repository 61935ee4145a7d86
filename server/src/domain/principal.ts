import type { Role } from '@hotline/shared';

/** The authenticated caller of an event or HTTP request, resolved from a token and the topology. */
export interface Principal {
  readonly userId: string;
  /** The session of the token ('' for none): revoking it cuts this principal off. */
  readonly sessionId: string;
  readonly name: string;
  readonly role: Role;
  readonly sideId: string | null;
  /** Operators: their post. */
  readonly postId: string | null;
  readonly supervisor: boolean;
  /** Commanders: the sectors they command. */
  readonly sectors: ReadonlySet<string>;
  /** Commanders: member of the joint command (every link). */
  readonly joint: boolean;
  readonly drillOfficer: boolean;
  /** Signed in with a drill token: may only send exercise traffic. */
  readonly drillOnly: boolean;
  /** Token expiry, ms since the epoch. */
  readonly expiresAt: number;
}
