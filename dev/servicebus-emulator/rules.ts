/**
 * Subscription rules: a filter (SQL, correlation, true/false) and an optional SQL action.
 *
 * Azure's documented fan-out (topic filters and actions): all matching rules *without* an action
 * together put one copy of the message on the subscription; each matching rule *with* an action
 * puts its own copy, changed by the action and carrying a `RuleName` property naming the rule.
 */
import { decodeHeadSections, messageIdKey, PropertyField, withApplicationProperties, withPropertyFields } from './amqp-codec';
import type { CorrelationFilterSettings, RuleSettings } from './config';
import type { IncomingMessage } from './queue';
import { matchesSqlFilter, parseSqlAction, parseSqlFilter, runSqlAction, type ActionStep, type MessageView } from './sql-filter';

export class Rule {
  private readonly sql?: ReturnType<typeof parseSqlFilter>;
  private readonly steps?: ActionStep[];

  /** Throws SqlSyntaxError for an invalid filter or action (config.ts checks rules first). */
  constructor(readonly settings: RuleSettings) {
    if (settings.filter.type === 'sql') this.sql = parseSqlFilter(settings.filter.expression);
    if (settings.action !== undefined) this.steps = parseSqlAction(settings.action);
  }

  get name(): string {
    return this.settings.name;
  }

  get hasAction(): boolean {
    return this.steps !== undefined;
  }

  matches(view: MessageView): boolean {
    if (this.sql) return matchesSqlFilter(this.sql, view);
    if (this.settings.filter.type === 'correlation') return matchesCorrelation(this.settings.filter.correlation, view);
    return false;
  }

  /** The copy of `message` this rule's action produces. */
  apply(message: IncomingMessage, view: MessageView): IncomingMessage {
    const result = runSqlAction(this.steps ?? [], view);
    const set: Record<string, unknown> = { RuleName: this.name };
    const remove: string[] = [];
    for (const [key, value] of Object.entries(result.user)) {
      if (value === undefined) remove.push(key);
      else set[key] = value;
    }
    const sections = { ...message.sections };
    sections.applicationProperties = withApplicationProperties(sections.applicationProperties, set, remove);
    let sessionId = message.sessionId;
    if (Object.keys(result.system).length > 0) {
      const fields = new Map<number, string | null>();
      for (const [name, value] of Object.entries(result.system)) {
        const index = SYSTEM_FIELDS[name];
        if (index === undefined) continue;
        const text = value === null ? null : String(value);
        fields.set(index, text);
        if (name === 'SessionId') sessionId = text ?? undefined;
      }
      sections.properties = withPropertyFields(sections.properties, fields);
    }
    return { ...message, sessionId, annotations: { ...message.annotations }, sections };
  }
}

const SYSTEM_FIELDS: Record<string, number> = {
  MessageId: PropertyField.messageId, To: PropertyField.to, Label: PropertyField.subject, ReplyTo: PropertyField.replyTo,
  CorrelationId: PropertyField.correlationId, ContentType: PropertyField.contentType, SessionId: PropertyField.groupId,
  ReplyToSessionId: PropertyField.replyToGroupId,
};

/**
 * System and application properties of a message, as filters see them; `sequenceNumber` is the
 * one the topic gave it (filters may test sys.SequenceNumber).
 */
export function messageView(message: IncomingMessage, sequenceNumber?: number): MessageView {
  const d = decodeHeadSections(message.sections) as Record<string, unknown> & { application_properties?: Record<string, unknown> };
  const text = (v: unknown) => (v === undefined || v === null ? undefined : messageIdKey(v));
  return {
    system: {
      MessageId: message.messageId,
      CorrelationId: text(d.correlation_id),
      To: text(d.to),
      ReplyTo: text(d.reply_to),
      Label: text(d.subject),
      SessionId: text(d.group_id),
      ReplyToSessionId: text(d.reply_to_group_id),
      ContentType: text(d.content_type),
      ContentEncoding: text(d.content_encoding),
      UserId: text(d.user_id),
      TimeToLive: message.header.ttl,
      ScheduledEnqueueTimeUtc: message.scheduledEnqueueTime,
      SequenceNumber: sequenceNumber,
    },
    user: d.application_properties ?? {},
  };
}

/** Every condition set in the filter must equal the message's value exactly. */
function matchesCorrelation(filter: CorrelationFilterSettings, view: MessageView): boolean {
  const system: Array<[string | undefined, unknown]> = [
    [filter.correlationId, view.system.CorrelationId], [filter.messageId, view.system.MessageId],
    [filter.to, view.system.To], [filter.replyTo, view.system.ReplyTo], [filter.label, view.system.Label],
    [filter.sessionId, view.system.SessionId], [filter.replyToSessionId, view.system.ReplyToSessionId],
    [filter.contentType, view.system.ContentType],
  ];
  for (const [expected, actual] of system) {
    if (expected !== undefined && expected !== actual) return false;
  }
  for (const [key, expected] of Object.entries(filter.properties ?? {})) {
    if (!(key in view.user) || !sameValue(expected, view.user[key])) return false;
  }
  return true;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (a instanceof Date && b instanceof Date) return a.getTime() === b.getTime();
  return typeof a === typeof b && a === b;
}
