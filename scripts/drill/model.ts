/** What a drill records while it runs: the raw material of the report and the integrity check. */
import type { EscalationPolicy, Entry, Link } from '@hotline/shared';

export type SendKind = 'alert' | 'message';

/** One alert or message the drill handed to the SDK. */
export interface SendRecord {
  kind: SendKind;
  /** clientAlertId / clientMsgId: starts with the run's tag. */
  clientId: string;
  linkId: string;
  fromPostId: string;
  senderUserId: string;
  /** The operator who should receive it at the other end. */
  counterpartUserId: string;
  /** ms after the start, as planned */
  plannedAt: number;
  /** Client clock when handed to the SDK. */
  sentAt: number;
  burst: number | null;
  /** The server's ack: the stored entry. */
  stored?: { seq: number; hash: string; ts: number; alertId?: string };
  /** Client clock when the ack came back. */
  storedAt?: number;
  error?: { code: string; message: string };
}

export type ResponderKind = 'counterpart' | 'supervisor' | 'commander' | 'cleanup';

/** An acknowledgement, cancellation or resolution the drill made. */
export interface ActionRecord {
  action: 'ack' | 'cancel' | 'resolve';
  alertId: string;
  userId: string;
  by: ResponderKind;
  requestedAt: number;
  /** Round trip of the request, ms. */
  tookMs?: number;
  /** The entry written, or null when the request changed nothing (already in that state). */
  stored?: { seq: number; hash: string } | null;
  error?: { code: string; message: string };
}

/** Every entry one simulated console delivered for one link, in delivery order. */
export interface DeliveryLog {
  userId: string;
  linkId: string;
  seqs: number[];
  hashes: string[];
}

/** An `escalation` event one simulated user's console delivered. */
export interface EscalationSeen {
  userId: string;
  alertId: string;
  step: number;
  level: number;
  position: number;
  entrySeq: number;
  /** Client clock. */
  at: number;
}

export interface DrillObservations {
  runTag: string;
  /** Client clock at the first send. */
  startedAt: number;
  /** Client clock when sending stopped. */
  sendingEndedAt: number;
  /** Client clock at the final sync. */
  finalSyncAt: number;
  links: Link[];
  policies: EscalationPolicy[];
  /** Head of each link just before the drill. */
  startHeads: Record<string, { seq: number; hash: string }>;
  /** Every entry after the start head, from the final sync. */
  finalLogs: Record<string, Entry[]>;
  sends: SendRecord[];
  actions: ActionRecord[];
  deliveries: DeliveryLog[];
  /** First arrival at the counterpart operator's console, client clock, by clientId. */
  counterpartArrival: Record<string, number>;
  escalationsSeen: EscalationSeen[];
  /** Users the drill simulates (their escalation events are checked). */
  simulatedUsers: string[];
  /** userId → responder kind, to say who acknowledged. */
  userKinds: Record<string, ResponderKind>;
  /** Forks the SDK reported (a log rewritten or rolled back under a console). */
  forks: { userId: string; linkId: string; seq: number; detail: string }[];
  /** Sends whose outcome never came back before the drill gave up on them. */
  unconfirmed: number;
  /** Responses still scheduled when the settle time ran out (they never went out). */
  droppedResponses: number;
}
