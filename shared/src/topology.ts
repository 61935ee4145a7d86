import { z } from 'zod';
import { Duration, Id, Role } from './topology-base.js';
import { NotificationsSchema, checkNotifications } from './notifications.js';

/**
 * The topology file: sides, sectors, posts, links, users, escalation policies and pre-agreed phrases.
 * Validated once at start-up; a bad file stops the server with the path of the first bad field.
 */

export { Duration, Id, Role } from './topology-base.js';

export const LatLon = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});

export const SideSchema = z.strictObject({
  id: Id,
  name: z.string().min(1).max(120),
  /** BCP 47 language tags, the first being the side's working language. */
  languages: z.array(z.string().min(2).max(16)).min(1),
  color: z.string().max(32).optional(),
});

export const SectorSchema = z.strictObject({
  id: Id,
  side: Id,
  name: z.string().min(1).max(120),
});

export const PostSchema = z.strictObject({
  id: Id,
  side: Id,
  sector: Id,
  name: z.string().min(1).max(120),
  location: LatLon,
});

/** Who an escalation level notifies. "raiser" is the post that raised the alert, "counterpart" the other end. */
export const EscalationTarget = z.enum([
  'counterpart-supervisors',
  'raiser-supervisors',
  'counterpart-commanders',
  'raiser-commanders',
  'joint-command',
]);
export type EscalationTarget = z.infer<typeof EscalationTarget>;

export const EscalationPolicySchema = z.strictObject({
  id: Id,
  name: z.string().min(1).max(120),
  /** What to do when the counterpart post has nobody online at the moment of the raise. */
  onCounterpartOffline: z.enum(['escalate-now', 'wait']).default('wait'),
  /** Ordered levels; each delay counts from the raise and must not be shorter than the previous one. */
  levels: z
    .array(z.strictObject({ delay: Duration, targets: z.array(EscalationTarget).min(1) }))
    .min(1)
    .max(10)
    .superRefine((levels, ctx) => {
      for (let i = 1; i < levels.length; i++) {
        if (levels[i]!.delay < levels[i - 1]!.delay) {
          ctx.addIssue({ code: 'custom', path: [i, 'delay'], message: 'must not be shorter than the previous level' });
        }
      }
    }),
  /** Repeat the last level every `every` after it fired, at most `times` more times. */
  repeat: z.strictObject({ every: Duration, times: z.number().int().min(1).max(100) }).optional(),
});
export type EscalationPolicy = z.output<typeof EscalationPolicySchema>;

export const Severity = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);
export type Severity = z.infer<typeof Severity>;

export const PolicySelectionSchema = z.strictObject({
  /** Policy for real alerts unless a rule below picks another. */
  default: Id,
  /** Policy per severity ("1".."4"). */
  bySeverity: z.partialRecord(z.enum(['1', '2', '3', '4']), Id).optional(),
  /** Policy per link id. Wins over severity. */
  byLink: z.record(z.string(), Id).optional(),
  /** Policy for drill alerts. */
  drill: Id,
  /** Policy for line-fault alerts raised by unanswered line checks. @default default */
  lineFault: Id.optional(),
});

const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;

function validTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** When the line of a link is checked: at times of day in a time zone, or every interval. */
export const LineCheckSchema = z
  .strictObject({
    /** Times of day, "HH:MM", in `timeZone`. */
    times: z.array(z.string().regex(TIME_OF_DAY, 'must be "HH:MM"')).min(1).max(48).optional(),
    /** IANA time zone of `times`. @default "UTC" */
    timeZone: z.string().refine(validTimeZone, 'must be an IANA time zone such as "Asia/Karachi"').default('UTC'),
    /** Or: a check every interval (aligned to the epoch). */
    every: Duration.refine((ms) => ms >= 1000, 'must be at least 1s').optional(),
    /** How long each post has to answer. @default "5m" */
    window: Duration.default(5 * 60_000),
    /** Policy of the line-fault alert an unanswered check raises. @default policySelection.lineFault or .default */
    policy: Id.optional(),
  })
  .refine((c) => (c.times === undefined) !== (c.every === undefined), { message: 'give either times or every' });
export type LineCheckSchedule = z.output<typeof LineCheckSchema>;

export const LinkSchema = z.strictObject({
  id: Id,
  name: z.string().min(1).max(120),
  /** The two posts the hotline joins; they must belong to different sides. */
  posts: z.tuple([Id, Id]),
  /** Scheduled line checks. */
  lineCheck: LineCheckSchema.optional(),
});

/** How long the counterpart has to acknowledge a message of a precedence, and the policy if it does not. */
export const PrecedenceRuleSchema = z.strictObject({
  deadline: Duration,
  /** Escalation policy once the deadline has passed; its level delays count from the deadline. @default policySelection.default */
  policy: Id.optional(),
});

export const PrecedenceRulesSchema = z
  .strictObject({
    flash: PrecedenceRuleSchema.optional(),
    immediate: PrecedenceRuleSchema.optional(),
    priority: PrecedenceRuleSchema.optional(),
    routine: PrecedenceRuleSchema.optional(),
  })
  .default({ flash: { deadline: 10 * 60_000 }, immediate: { deadline: 30 * 60_000 } });

export const UserSchema = z.strictObject({
  id: Id,
  name: z.string().min(1).max(120),
  role: Role,
  side: Id.optional(),
  /** Operators: the post they work at. */
  post: Id.optional(),
  /** Operators: also a supervisor of their post, notified by escalations that target supervisors. */
  supervisor: z.boolean().optional(),
  /** Commanders: the sectors they command. */
  sectors: z.array(Id).optional(),
  /** Commanders: a member of the joint command, which covers every link. */
  joint: z.boolean().optional(),
  /** May obtain drill tokens for simulated users (drill officer). */
  drillOfficer: z.boolean().optional(),
  /** Disabled: cannot log in; their sessions and signing keys are revoked. */
  disabled: z.boolean().optional(),
  /** "scrypt$N$r$p$saltBase64$hashBase64", made with `npm run hash-password`. */
  passwordHash: z.string().regex(/^scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/, 'must be an scrypt hash'),
});

export const PhraseSchema = z.strictObject({
  id: Id,
  /** The phrase in each language, keyed by BCP 47 tag; every side's first language must be present. */
  text: z.record(z.string().min(2).max(16), z.string().min(1).max(500)),
});

export const MapSchema = z.strictObject({
  /** The border line as [lon, lat] points. */
  border: z.array(z.tuple([z.number(), z.number()])).min(2),
  /** Each side's territory as a closed polygon of [lon, lat] points. */
  regions: z.array(z.strictObject({ side: Id, polygon: z.array(z.tuple([z.number(), z.number()])).min(3) })),
});

export const TopologySchema = z
  .strictObject({
    name: z.string().min(1).max(200),
    sides: z.array(SideSchema).length(2),
    sectors: z.array(SectorSchema).min(1),
    posts: z.array(PostSchema).min(2),
    links: z.array(LinkSchema).min(1),
    users: z.array(UserSchema).min(1),
    escalationPolicies: z.array(EscalationPolicySchema).min(1),
    policySelection: PolicySelectionSchema,
    phrases: z.array(PhraseSchema).default([]),
    map: MapSchema.optional(),
    /** Acknowledgement deadlines per precedence. @default flash 10m, immediate 30m */
    precedence: PrecedenceRulesSchema,
    /** Gateways, Web Push and contact rules (notifications/). Absent: the console is the only channel. */
    notifications: NotificationsSchema.optional(),
  })
  .superRefine((t, ctx) => {
    const unique = (items: { id: string }[], path: string) => {
      const seen = new Set<string>();
      items.forEach((item, i) => {
        if (seen.has(item.id)) ctx.addIssue({ code: 'custom', path: [path, i, 'id'], message: `duplicate id "${item.id}"` });
        seen.add(item.id);
      });
      return seen;
    };
    const sides = unique(t.sides, 'sides');
    const sectors = new Map(t.sectors.map((s) => [s.id, s]));
    unique(t.sectors, 'sectors');
    const posts = new Map(t.posts.map((p) => [p.id, p]));
    unique(t.posts, 'posts');
    unique(t.links, 'links');
    unique(t.users, 'users');
    const policies = unique(t.escalationPolicies, 'escalationPolicies');

    t.sectors.forEach((s, i) => {
      if (!sides.has(s.side)) ctx.addIssue({ code: 'custom', path: ['sectors', i, 'side'], message: `unknown side "${s.side}"` });
    });
    t.posts.forEach((p, i) => {
      if (!sides.has(p.side)) ctx.addIssue({ code: 'custom', path: ['posts', i, 'side'], message: `unknown side "${p.side}"` });
      const sector = sectors.get(p.sector);
      if (!sector) ctx.addIssue({ code: 'custom', path: ['posts', i, 'sector'], message: `unknown sector "${p.sector}"` });
      else if (sector.side !== p.side)
        ctx.addIssue({ code: 'custom', path: ['posts', i, 'sector'], message: `sector "${p.sector}" belongs to another side` });
    });
    const pairs = new Set<string>();
    t.links.forEach((l, i) => {
      const [a, b] = l.posts;
      const pa = posts.get(a);
      const pb = posts.get(b);
      if (!pa) ctx.addIssue({ code: 'custom', path: ['links', i, 'posts', 0], message: `unknown post "${a}"` });
      if (!pb) ctx.addIssue({ code: 'custom', path: ['links', i, 'posts', 1], message: `unknown post "${b}"` });
      if (pa && pb && pa.side === pb.side)
        ctx.addIssue({ code: 'custom', path: ['links', i, 'posts'], message: 'a link must join posts of different sides' });
      const key = [a, b].sort().join('|');
      if (pairs.has(key)) ctx.addIssue({ code: 'custom', path: ['links', i, 'posts'], message: 'these two posts are already linked' });
      pairs.add(key);
    });
    t.users.forEach((u, i) => {
      if (u.side !== undefined && !sides.has(u.side))
        ctx.addIssue({ code: 'custom', path: ['users', i, 'side'], message: `unknown side "${u.side}"` });
      if (u.role === 'operator') {
        const post = u.post === undefined ? undefined : posts.get(u.post);
        if (!post) ctx.addIssue({ code: 'custom', path: ['users', i, 'post'], message: 'an operator needs a known post' });
        else if (u.side !== undefined && u.side !== post.side)
          ctx.addIssue({ code: 'custom', path: ['users', i, 'side'], message: 'does not match the side of the post' });
      } else if (u.post !== undefined || u.supervisor) {
        ctx.addIssue({ code: 'custom', path: ['users', i, 'post'], message: 'only operators belong to a post' });
      }
      if (u.role === 'commander') {
        if (!u.joint && (!u.sectors || u.sectors.length === 0))
          ctx.addIssue({ code: 'custom', path: ['users', i, 'sectors'], message: 'a commander needs sectors or joint: true' });
        (u.sectors ?? []).forEach((s, j) => {
          const sector = sectors.get(s);
          if (!sector) ctx.addIssue({ code: 'custom', path: ['users', i, 'sectors', j], message: `unknown sector "${s}"` });
          else if (u.side !== undefined && sector.side !== u.side)
            ctx.addIssue({ code: 'custom', path: ['users', i, 'sectors', j], message: 'sector of another side' });
        });
      } else if (u.sectors !== undefined || u.joint) {
        ctx.addIssue({ code: 'custom', path: ['users', i, 'sectors'], message: 'only commanders have sectors or joint' });
      }
    });
    const refPolicy = (id: string, path: (string | number)[]) => {
      if (!policies.has(id)) ctx.addIssue({ code: 'custom', path, message: `unknown escalation policy "${id}"` });
    };
    refPolicy(t.policySelection.default, ['policySelection', 'default']);
    refPolicy(t.policySelection.drill, ['policySelection', 'drill']);
    if (t.policySelection.lineFault) refPolicy(t.policySelection.lineFault, ['policySelection', 'lineFault']);
    t.links.forEach((l, i) => {
      if (l.lineCheck?.policy) refPolicy(l.lineCheck.policy, ['links', i, 'lineCheck', 'policy']);
    });
    for (const [name, rule] of Object.entries(t.precedence)) {
      if (rule?.policy) refPolicy(rule.policy, ['precedence', name, 'policy']);
    }
    for (const [sev, id] of Object.entries(t.policySelection.bySeverity ?? {})) refPolicy(id, ['policySelection', 'bySeverity', sev]);
    for (const [link, id] of Object.entries(t.policySelection.byLink ?? {})) {
      refPolicy(id, ['policySelection', 'byLink', link]);
      if (!t.links.some((l) => l.id === link))
        ctx.addIssue({ code: 'custom', path: ['policySelection', 'byLink', link], message: `unknown link "${link}"` });
    }
    t.phrases.forEach((p, i) => {
      for (const side of t.sides) {
        const lang = side.languages[0]!;
        if (!(lang in p.text))
          ctx.addIssue({ code: 'custom', path: ['phrases', i, 'text'], message: `missing the "${lang}" text of side "${side.id}"` });
      }
    });
    checkNotifications(t.notifications, t.users, ctx);
    t.map?.regions.forEach((r, i) => {
      if (!sides.has(r.side)) ctx.addIssue({ code: 'custom', path: ['map', 'regions', i, 'side'], message: `unknown side "${r.side}"` });
    });
  });

export type TopologyInput = z.input<typeof TopologySchema>;
export type Topology = z.output<typeof TopologySchema>;
export type Side = z.output<typeof SideSchema>;
export type Sector = z.output<typeof SectorSchema>;
export type Post = z.output<typeof PostSchema>;
export type Link = z.output<typeof LinkSchema>;
export type TopologyUser = z.output<typeof UserSchema>;
export type Phrase = z.output<typeof PhraseSchema>;

/** A user as the API shows them: never a password hash. */
export type PublicUser = Omit<TopologyUser, 'passwordHash'>;

/** What GET /api/topology returns: the part of the topology the caller may see. */
export interface VisibleTopology {
  name: string;
  sides: Side[];
  sectors: Sector[];
  posts: Post[];
  links: Link[];
  users: PublicUser[];
  phrases: Phrase[];
  escalationPolicies: EscalationPolicy[];
  precedence: z.output<typeof PrecedenceRulesSchema>;
  map?: z.output<typeof MapSchema>;
}

/** Formats zod issues as "path.to[3].field: message" lines, for start-up errors and HTTP details. */
export function formatIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string[] {
  return issues.map((issue) => {
    let path = '';
    for (const part of issue.path) {
      if (typeof part === 'number') path += `[${part}]`;
      else path += path === '' ? String(part) : `.${String(part)}`;
    }
    return `${path || '(root)'}: ${issue.message}`;
  });
}
