import { readFileSync } from 'node:fs';

import { parseSqlAction, parseSqlFilter } from './sql-filter';

/**
 * Entities come from a file in the shape of Microsoft's Service Bus emulator `Config.json`
 * (UserConfig.Namespaces[].Queues[] and .Topics[] with their Subscriptions and Rules), so one file
 * drives both this emulator and Microsoft's Docker image.
 */
export interface EmulatorConfig {
  UserConfig: {
    Namespaces: Array<{
      Name?: string;
      Queues?: Array<{ Name: string; Properties?: Partial<QueueConfigProperties> }>;
      Topics?: TopicConfig[];
    }>;
    Logging?: unknown;
  };
}

export interface TopicConfig {
  Name: string;
  Properties?: Partial<{ DefaultMessageTimeToLive: string; DuplicateDetectionHistoryTimeWindow: string; RequiresDuplicateDetection: boolean }>;
  Subscriptions?: SubscriptionConfig[];
}

export interface SubscriptionConfig {
  Name: string;
  Properties?: Partial<{
    DeadLetteringOnMessageExpiration: boolean;
    DefaultMessageTimeToLive: string;
    LockDuration: string;
    MaxDeliveryCount: number;
    ForwardDeadLetteredMessagesTo: string;
    ForwardTo: string;
    RequiresSession: boolean;
  }>;
  Rules?: RuleConfig[];
}

export interface RuleConfig {
  Name: string;
  Properties?: {
    FilterType?: 'Correlation' | 'Sql';
    CorrelationFilter?: Partial<{
      ContentType: string; CorrelationId: string; Label: string; MessageId: string; ReplyTo: string;
      ReplyToSessionId: string; SessionId: string; To: string; Properties: Record<string, unknown>;
    }>;
    SqlFilter?: { SqlExpression?: string };
    Action?: { SqlExpression?: string };
  };
}

/** A correlation filter: every condition set must equal the message's value (conditions are ANDed). */
export interface CorrelationFilterSettings {
  correlationId?: string;
  messageId?: string;
  to?: string;
  replyTo?: string;
  label?: string;
  sessionId?: string;
  replyToSessionId?: string;
  contentType?: string;
  properties?: Record<string, unknown>;
}

export type RuleFilterSettings = { type: 'sql'; expression: string } | { type: 'correlation'; correlation: CorrelationFilterSettings };

export interface RuleSettings {
  name: string;
  filter: RuleFilterSettings;
  /** SqlRuleAction expression, when the rule has one. */
  action?: string;
}

/** A subscription is a queue (its settings) fed by a topic through its rules. */
export interface SubscriptionSettings extends QueueSettings {
  topic: string;
  subscription: string;
  rules: RuleSettings[];
}

export interface TopicSettings {
  name: string;
  requiresDuplicateDetection: boolean;
  duplicateWindowMs: number;
  defaultTtlMs: number;
  subscriptions: SubscriptionSettings[];
}

/** The rule every subscription gets when it declares none, as on Azure. */
export const DEFAULT_RULE: RuleSettings = { name: '$Default', filter: { type: 'sql', expression: '1=1' } };

export interface QueueConfigProperties {
  RequiresSession: boolean;
  MaxDeliveryCount: number;
  LockDuration: string;
  DefaultMessageTimeToLive: string;
  DeadLetteringOnMessageExpiration: boolean;
  RequiresDuplicateDetection: boolean;
  DuplicateDetectionHistoryTimeWindow: string;
  ForwardTo?: string;
  ForwardDeadLetteredMessagesTo?: string;
}

/** Queue settings after defaults are applied, durations in milliseconds. */
export interface QueueSettings {
  name: string;
  requiresSession: boolean;
  maxDeliveryCount: number;
  lockDurationMs: number;
  /** Infinity when messages never expire. */
  defaultTtlMs: number;
  deadLetteringOnExpiration: boolean;
  requiresDuplicateDetection: boolean;
  duplicateWindowMs: number;
  /** Auto-forwarding: every message stored here moves on to this queue or topic. */
  forwardTo?: string;
  /** Dead-lettered messages go to this queue or topic instead of the dead-letter sub-queue. */
  forwardDeadLetteredMessagesTo?: string;
}

// Service defaults (Azure portal / ARM): 10 deliveries, 1 minute lock, TTL "forever", 10 minute window.
const DEFAULTS = {
  requiresSession: false,
  maxDeliveryCount: 10,
  lockDurationMs: 60_000,
  defaultTtlMs: Number.POSITIVE_INFINITY,
  deadLetteringOnExpiration: false,
  requiresDuplicateDetection: false,
  duplicateWindowMs: 10 * 60_000,
};

// Azure's "TimeSpan.MaxValue" TTL, written by ARM templates and the official emulator as P10675199D...
const MAX_REASONABLE_MS = 100 * 365 * 24 * 3600_000;

/** ISO 8601 duration (PnDTnHnMnS, as used by Service Bus) to milliseconds. */
export function parseIsoDuration(value: string): number {
  const match = /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value.trim());
  if (!match || value.trim() === 'P' || value.trim().endsWith('T')) {
    throw new Error(`Invalid ISO 8601 duration: ${value}`);
  }
  const [, d, h, m, s] = match;
  const ms = (Number(d ?? 0) * 86_400 + Number(h ?? 0) * 3_600 + Number(m ?? 0) * 60 + Number(s ?? 0)) * 1000;
  return ms > MAX_REASONABLE_MS ? Number.POSITIVE_INFINITY : Math.round(ms);
}

/**
 * Ranges Azure Service Bus enforces, which Microsoft's emulator enforces too (its Config.json schema
 * is narrower still: TTL at most PT1H, MaxDeliveryCount at most 10, duplicate window at most PT5M,
 * locks from PT5S; those narrower quotas are not applied here, see docs/decisions/0002).
 */
const LIMITS = {
  lockMaxMs: 5 * 60_000,
  duplicateWindowMaxMs: 7 * 86_400_000,
  /** Microsoft's emulator: at most 50 queues and topics in its one namespace. */
  maxEntities: 50,
  maxSubscriptionsPerTopic: 50,
  maxRulesPerSubscription: 1000,
};

/** Entity names as Microsoft's emulator accepts them. */
const NAME_PATTERN = /^[A-Za-z0-9]$|^[A-Za-z0-9][\w./-]*[A-Za-z0-9]$/;

const QUEUE_PROPERTIES = new Set([
  'DeadLetteringOnMessageExpiration', 'DefaultMessageTimeToLive', 'DuplicateDetectionHistoryTimeWindow', 'ForwardDeadLetteredMessagesTo',
  'ForwardTo', 'LockDuration', 'MaxDeliveryCount', 'RequiresDuplicateDetection', 'RequiresSession',
]);
const TOPIC_PROPERTIES = new Set(['DefaultMessageTimeToLive', 'DuplicateDetectionHistoryTimeWindow', 'RequiresDuplicateDetection']);
const SUBSCRIPTION_PROPERTIES = new Set([
  'DeadLetteringOnMessageExpiration', 'DefaultMessageTimeToLive', 'ForwardDeadLetteredMessagesTo', 'ForwardTo', 'LockDuration',
  'MaxDeliveryCount', 'RequiresSession',
]);

function formatMs(ms: number): string {
  return ms % 86_400_000 === 0 ? `P${ms / 86_400_000}D` : `PT${ms / 60_000}M`;
}

/**
 * Reads and checks an entity's Properties: a name the emulator does not know (a typo, or a setting it
 * does not implement) is an error rather than silently ignored; every error names the entity and value.
 */
class PropertyReader {
  constructor(private readonly where: string, private readonly props: Record<string, unknown>, known: Set<string>) {
    if (props === null || typeof props !== 'object' || Array.isArray(props)) fail(where, 'Properties must be an object');
    for (const key of Object.keys(props)) {
      if (!known.has(key)) fail(where, `unknown property ${key} (the emulator reads ${[...known].join(', ')}; anything else would be silently ignored)`);
    }
  }

  boolean(field: string, fallback: boolean): boolean {
    const value = this.props[field];
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') fail(this.where, `${field} ${JSON.stringify(value)} must be true or false`);
    return value;
  }

  /** A positive duration, at most maxMs. */
  duration(field: string, fallback: number, maxMs = Infinity): number {
    const value = this.props[field];
    if (value === undefined || value === '') return fallback;
    let ms: number;
    try {
      if (typeof value !== 'string') throw new Error('not a string');
      ms = parseIsoDuration(value);
    } catch {
      return fail(this.where, `${field} ${JSON.stringify(value).replace(/^"|"$/g, '')} is not an ISO 8601 duration (e.g. PT1M, P14D)`);
    }
    if (ms <= 0) fail(this.where, `${field} ${value} must be longer than zero`);
    if (ms > maxMs) fail(this.where, `${field} ${value} is out of range: at most ${formatMs(maxMs)}, as on Azure Service Bus`);
    return ms;
  }

  maxDeliveryCount(fallback: number): number {
    const value = this.props.MaxDeliveryCount;
    if (value === undefined) return fallback;
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
      fail(this.where, `MaxDeliveryCount ${JSON.stringify(value)} is out of range: a whole number, at least 1`);
    }
    return value;
  }

  /** ForwardTo-like names: "" means none, as Microsoft's emulator writes it. */
  entityName(field: string): string | undefined {
    const value = this.props[field];
    if (value === undefined || value === '') return undefined;
    if (typeof value !== 'string') fail(this.where, `${field} ${JSON.stringify(value)} must be an entity name`);
    return value;
  }
}

function fail(where: string, problem: string): never {
  throw new Error(`Config.json: ${where}: ${problem}`);
}

function checkName(kind: string, name: unknown): string {
  if (!name || typeof name !== 'string') throw new Error(`Config.json: every ${kind} needs a Name`);
  if (!NAME_PATTERN.test(name)) {
    throw new Error(`Config.json: ${kind} ${JSON.stringify(name)}: the name must start and end with a letter or digit and contain only letters, digits, '.', '-', '_' and '/'`);
  }
  return name;
}

export function loadConfig(config: EmulatorConfig | string): EmulatorConfig {
  if (typeof config !== 'string') return config;
  return JSON.parse(readFileSync(config, 'utf8')) as EmulatorConfig;
}

/** All queues of all namespaces (the emulator serves one namespace; names must be unique). */
export function queueSettings(config: EmulatorConfig): QueueSettings[] {
  return entitySettings(config).queues;
}

/** Queues and topics of all namespaces, validated; errors name the entity. */
export function entitySettings(config: EmulatorConfig): { queues: QueueSettings[]; topics: TopicSettings[] } {
  const namespaces = config?.UserConfig?.Namespaces;
  if (!Array.isArray(namespaces)) throw new Error('Config.json: UserConfig.Namespaces must be an array');
  // As Microsoft's emulator: one namespace, whose entities the connection string reaches.
  if (namespaces.length !== 1) throw new Error(`Config.json: UserConfig.Namespaces must hold exactly one namespace (found ${namespaces.length})`);
  const result: QueueSettings[] = [];
  const seen = new Set<string>();
  for (const ns of namespaces) {
    if (ns.Queues !== undefined && !Array.isArray(ns.Queues)) throw new Error('Config.json: Queues must be an array');
    const entityCount = (ns.Queues?.length ?? 0) + (Array.isArray(ns.Topics) ? ns.Topics.length : 0);
    if (entityCount > LIMITS.maxEntities) {
      throw new Error(`Config.json: ${entityCount} queues and topics: at most ${LIMITS.maxEntities} per namespace, as in Microsoft's emulator`);
    }
    for (const q of ns.Queues ?? []) {
      const name = checkName('queue', q?.Name);
      const key = name.toLowerCase();
      if (seen.has(key)) throw new Error(`Config.json: queue ${name} is declared twice`);
      seen.add(key);
      const p = new PropertyReader(`queue ${name}`, (q.Properties ?? {}) as Record<string, unknown>, QUEUE_PROPERTIES);
      result.push({
        name,
        requiresSession: p.boolean('RequiresSession', DEFAULTS.requiresSession),
        maxDeliveryCount: p.maxDeliveryCount(DEFAULTS.maxDeliveryCount),
        lockDurationMs: p.duration('LockDuration', DEFAULTS.lockDurationMs, LIMITS.lockMaxMs),
        defaultTtlMs: p.duration('DefaultMessageTimeToLive', DEFAULTS.defaultTtlMs),
        deadLetteringOnExpiration: p.boolean('DeadLetteringOnMessageExpiration', DEFAULTS.deadLetteringOnExpiration),
        requiresDuplicateDetection: p.boolean('RequiresDuplicateDetection', DEFAULTS.requiresDuplicateDetection),
        duplicateWindowMs: p.duration('DuplicateDetectionHistoryTimeWindow', DEFAULTS.duplicateWindowMs, LIMITS.duplicateWindowMaxMs),
        forwardTo: p.entityName('ForwardTo'),
        forwardDeadLetteredMessagesTo: p.entityName('ForwardDeadLetteredMessagesTo'),
      });
    }
  }
  const topics: TopicSettings[] = [];
  for (const ns of namespaces) {
    if (ns.Topics !== undefined && !Array.isArray(ns.Topics)) throw new Error('Config.json: Topics must be an array');
    for (const t of ns.Topics ?? []) {
      checkName('topic', t?.Name);
      const key = t.Name.toLowerCase();
      // Queues and topics share one namespace of names.
      if (seen.has(key)) throw new Error(`Config.json: topic ${t.Name} is declared twice (or as a queue too)`);
      seen.add(key);
      topics.push(topicSettings(t));
    }
  }
  checkForwarding([...result, ...topics.flatMap((t) => t.subscriptions)], seen);
  return { queues: result, topics };
}

function topicSettings(t: TopicConfig): TopicSettings {
  const where = `topic ${t.Name}`;
  const p = new PropertyReader(where, (t.Properties ?? {}) as Record<string, unknown>, TOPIC_PROPERTIES);
  const topic: TopicSettings = {
    name: t.Name,
    requiresDuplicateDetection: p.boolean('RequiresDuplicateDetection', DEFAULTS.requiresDuplicateDetection),
    duplicateWindowMs: p.duration('DuplicateDetectionHistoryTimeWindow', DEFAULTS.duplicateWindowMs, LIMITS.duplicateWindowMaxMs),
    defaultTtlMs: p.duration('DefaultMessageTimeToLive', DEFAULTS.defaultTtlMs),
    subscriptions: [],
  };
  if (t.Subscriptions !== undefined && !Array.isArray(t.Subscriptions)) throw new Error(`Config.json: ${where}: Subscriptions must be an array`);
  if ((t.Subscriptions?.length ?? 0) > LIMITS.maxSubscriptionsPerTopic) {
    fail(where, `${t.Subscriptions!.length} subscriptions: at most ${LIMITS.maxSubscriptionsPerTopic}, as in Microsoft's emulator`);
  }
  const names = new Set<string>();
  for (const s of t.Subscriptions ?? []) {
    if (!s || !s.Name || typeof s.Name !== 'string') throw new Error(`Config.json: ${where}: every subscription needs a Name`);
    if (!NAME_PATTERN.test(s.Name)) fail(where, `subscription ${JSON.stringify(s.Name)}: the name must start and end with a letter or digit and contain only letters, digits, '.', '-', '_' and '/'`);
    if (names.has(s.Name.toLowerCase())) throw new Error(`Config.json: ${where}: subscription ${s.Name} is declared twice`);
    names.add(s.Name.toLowerCase());
    topic.subscriptions.push(subscriptionSettings(topic, s));
  }
  return topic;
}

function subscriptionSettings(topic: TopicSettings, s: SubscriptionConfig): SubscriptionSettings {
  const where = `subscription ${topic.name}/${s.Name}`;
  const p = new PropertyReader(where, (s.Properties ?? {}) as Record<string, unknown>, SUBSCRIPTION_PROPERTIES);
  const maxDeliveryCount = p.maxDeliveryCount(DEFAULTS.maxDeliveryCount);
  // A subscription's messages live no longer than the topic's default time to live either.
  const ttl = Math.min(topic.defaultTtlMs, p.duration('DefaultMessageTimeToLive', DEFAULTS.defaultTtlMs));
  if (s.Rules !== undefined && !Array.isArray(s.Rules)) fail(where, 'Rules must be an array');
  if ((s.Rules?.length ?? 0) > LIMITS.maxRulesPerSubscription) fail(where, `${s.Rules!.length} rules: at most ${LIMITS.maxRulesPerSubscription}`);
  const rules = (s.Rules ?? []).map((r) => ruleSettings(r, where));
  const ruleNames = new Set<string>();
  for (const rule of rules) {
    if (ruleNames.has(rule.name.toLowerCase())) throw new Error(`Config.json: ${where}: rule ${rule.name} is declared twice`);
    ruleNames.add(rule.name.toLowerCase());
  }
  return {
    name: `${topic.name}/Subscriptions/${s.Name}`,
    topic: topic.name,
    subscription: s.Name,
    requiresSession: p.boolean('RequiresSession', DEFAULTS.requiresSession),
    maxDeliveryCount,
    lockDurationMs: p.duration('LockDuration', DEFAULTS.lockDurationMs, LIMITS.lockMaxMs),
    defaultTtlMs: ttl,
    deadLetteringOnExpiration: p.boolean('DeadLetteringOnMessageExpiration', DEFAULTS.deadLetteringOnExpiration),
    // Duplicate detection is the topic's: a subscription never drops a copy as a duplicate.
    requiresDuplicateDetection: false,
    duplicateWindowMs: DEFAULTS.duplicateWindowMs,
    forwardTo: p.entityName('ForwardTo'),
    forwardDeadLetteredMessagesTo: p.entityName('ForwardDeadLetteredMessagesTo'),
    rules: rules.length > 0 ? rules : [DEFAULT_RULE],
  };
}

/** Builds and checks one rule; errors name the rule and its subscription. */
export function ruleSettings(r: RuleConfig, where: string): RuleSettings {
  if (!r || !r.Name || typeof r.Name !== 'string') throw new Error(`Config.json: ${where}: every rule needs a Name`);
  const p = r.Properties ?? {};
  const at = `Config.json: ${where}: rule ${r.Name}`;
  let filter: RuleFilterSettings;
  if (p.FilterType === 'Sql') {
    const expression = p.SqlFilter?.SqlExpression;
    if (typeof expression !== 'string') throw new Error(`${at}: a Sql rule needs SqlFilter.SqlExpression`);
    filter = { type: 'sql', expression };
  } else if (p.FilterType === 'Correlation') {
    const c = p.CorrelationFilter ?? {};
    filter = {
      type: 'correlation',
      correlation: {
        contentType: c.ContentType || undefined, correlationId: c.CorrelationId || undefined, label: c.Label || undefined,
        messageId: c.MessageId || undefined, replyTo: c.ReplyTo || undefined, replyToSessionId: c.ReplyToSessionId || undefined,
        sessionId: c.SessionId || undefined, to: c.To || undefined,
        properties: c.Properties && Object.keys(c.Properties).length > 0 ? c.Properties : undefined,
      },
    };
  } else {
    throw new Error(`${at}: FilterType must be "Correlation" or "Sql" (got ${JSON.stringify(p.FilterType)})`);
  }
  const rule: RuleSettings = { name: r.Name, filter, action: p.Action?.SqlExpression || undefined };
  const problem = ruleProblem(rule);
  if (problem) throw new Error(`${at}: ${problem}`);
  return rule;
}

/** Why a rule cannot be used (a SQL syntax error, an empty correlation filter), or undefined. */
export function ruleProblem(rule: RuleSettings): string | undefined {
  try {
    if (rule.filter.type === 'sql') parseSqlFilter(rule.filter.expression);
    else if (Object.values(rule.filter.correlation).every((v) => v === undefined)) return 'a correlation filter needs at least one condition';
  } catch (e) {
    return `SqlFilter ${JSON.stringify(rule.filter.type === 'sql' ? rule.filter.expression : '')}: ${(e as Error).message}`;
  }
  try {
    if (rule.action !== undefined) parseSqlAction(rule.action);
  } catch (e) {
    return `Action ${JSON.stringify(rule.action)}: ${(e as Error).message}`;
  }
  return undefined;
}

/** ForwardTo and ForwardDeadLetteredMessagesTo must name another queue or topic of the namespace. */
function checkForwarding(entities: QueueSettings[], names: Set<string>): void {
  for (const e of entities) {
    const kind = 'topic' in e ? 'subscription' : 'queue';
    for (const [field, target] of [['ForwardTo', e.forwardTo], ['ForwardDeadLetteredMessagesTo', e.forwardDeadLetteredMessagesTo]] as const) {
      if (target === undefined) continue;
      if (!names.has(target.toLowerCase())) throw new Error(`Config.json: ${kind} ${e.name}: ${field} names ${target}, which is neither a queue nor a topic of the namespace`);
      if (target.toLowerCase() === e.name.toLowerCase()) throw new Error(`Config.json: ${kind} ${e.name}: ${field} cannot name the entity itself`);
    }
  }
}
