/**
 * The `<queue>/$management` node: request/response operations the SDK sends as AMQP messages
 * (application_properties.operation = com.microsoft:<op>, body = map).
 */
import { bytesToUuid, decodeMessage, longToNumber, types, uuidToBytes, type DecodedMessage } from './amqp-codec';
import type { Broker, LinkRoute } from './broker';
import type { CorrelationFilterSettings, RuleSettings } from './config';
import { BrokerError, Conditions, Queue } from './queue';
import type { Subscription, Topic } from './topic';

export interface ManagementResponse {
  properties: Record<string, unknown>;
  body?: unknown;
}

const STATUS_BY_CONDITION: Record<string, number> = {
  [Conditions.lockLost]: 410,
  [Conditions.sessionLockLost]: 410,
  [Conditions.sessionCannotBeLocked]: 410,
  [Conditions.messageNotFound]: 404,
  [Conditions.notFound]: 404,
  [Conditions.timeout]: 408,
  [Conditions.argumentError]: 400,
  [Conditions.notAllowed]: 400,
  [Conditions.notImplemented]: 501,
  [Conditions.entityAlreadyExists]: 409,
};

function ok(body?: unknown, statusCode = 200): ManagementResponse {
  return { properties: { statusCode, statusDescription: statusCode === 204 ? 'No Content' : 'OK' }, body };
}

function lockTokens(body: Record<string, unknown>): string[] {
  const tokens = body['lock-tokens'];
  if (!Array.isArray(tokens)) throw new BrokerError(Conditions.argumentError, 'lock-tokens is required');
  return tokens.map((t) => (Buffer.isBuffer(t) ? bytesToUuid(t) : String(t)));
}

function sequenceNumbers(body: Record<string, unknown>): number[] {
  const values = body['sequence-numbers'];
  if (!Array.isArray(values)) throw new BrokerError(Conditions.argumentError, 'sequence-numbers is required');
  return values.map(longToNumber);
}

function sessionIdOf(body: Record<string, unknown>): string {
  const id = body['session-id'];
  if (typeof id !== 'string') throw new BrokerError(Conditions.argumentError, 'session-id is required');
  return id;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function scheduleMessages(broker: Broker, entity: Queue | Topic, body: Record<string, unknown>): ManagementResponse {
  const entries = body.messages;
  if (!Array.isArray(entries)) throw new BrokerError(Conditions.argumentError, 'messages is required');
  const incoming = entries.map((entry: Record<string, unknown>) => {
    const encoded = entry.message as Buffer;
    return broker.toIncoming(decodeMessage(encoded), encoded);
  });
  for (const m of incoming) entity.validate(m);
  const numbers = incoming.map((m) => entity.enqueue(m) ?? 0);
  return ok({ 'sequence-numbers': types.wrap_array(numbers, 0x81) });
}

export function handleManagementRequest(broker: Broker, route: LinkRoute, request: DecodedMessage): ManagementResponse {
  const operation = String(request.application_properties?.operation ?? '');
  const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;
  try {
    if (!(route.entity instanceof Queue)) return topicOperation(broker, route.entity, operation, body);
    if (operation.endsWith('-rule') || operation.endsWith('-rules')) {
      if (!route.subscription) throw new BrokerError(Conditions.notAllowed, `Rules exist only on subscriptions; ${route.entity.name} is not one.`);
      return ruleOperation(route.subscription, operation, body);
    }
    const queue = route.entity;
    switch (operation) {
      case 'com.microsoft:renew-lock': {
        const expirations = lockTokens(body).map((token) => queue.renewLock(token));
        return ok({ expirations: types.wrap_array(expirations, 0x83) });
      }
      case 'com.microsoft:peek-message': {
        const from = longToNumber(body['from-sequence-number'] ?? 1);
        const count = Number(body['message-count'] ?? 1);
        const sessionId = optionalString(body['session-id']);
        const messages = queue.peek(from, count, sessionId);
        if (messages.length === 0) return ok(undefined, 204);
        return ok({ messages: messages.map((m) => ({ message: broker.encodeForDelivery(m, undefined, true) })) });
      }
      case 'com.microsoft:update-disposition': {
        const status = body['disposition-status'];
        const props = (body['properties-to-modify'] ?? undefined) as Record<string, unknown> | undefined;
        for (const token of lockTokens(body)) {
          if (status === 'completed') queue.complete(token);
          else if (status === 'abandoned') queue.abandon(token, props);
          else if (status === 'defered') queue.defer(token, props);
          else if (status === 'suspended') {
            queue.deadLetterByToken(token, optionalString(body['deadletter-reason']), optionalString(body['deadletter-description']), props);
          } else throw new BrokerError(Conditions.argumentError, `Unknown disposition-status ${String(status)}`);
        }
        return ok({});
      }
      case 'com.microsoft:schedule-message':
        return scheduleMessages(broker, queue, body);
      case 'com.microsoft:cancel-scheduled-message':
        queue.cancelScheduled(sequenceNumbers(body));
        return ok({});
      case 'com.microsoft:receive-by-sequence-number': {
        const peekLock = Number(body['receiver-settle-mode'] ?? 1) === 1;
        const received = queue.receiveDeferred(sequenceNumbers(body), peekLock, optionalString(body['session-id']));
        return ok({
          messages: received.map(({ message, lockToken }) => {
            const entry: Record<string, unknown> = { message: broker.encodeForDelivery(message, lockToken) };
            if (lockToken) entry['lock-token'] = types.wrap_uuid(uuidToBytes(lockToken));
            return entry;
          }),
        });
      }
      case 'com.microsoft:renew-session-lock':
        return ok({ expiration: new Date(queue.renewSessionLock(sessionIdOf(body))) });
      case 'com.microsoft:set-session-state': {
        const state = body['session-state'];
        queue.setSessionState(sessionIdOf(body), Buffer.isBuffer(state) ? Buffer.from(state) : undefined);
        return ok({});
      }
      case 'com.microsoft:get-session-state': {
        const state = queue.getSessionState(sessionIdOf(body));
        return ok({ 'session-state': state ?? null });
      }
      default:
        throw new BrokerError(Conditions.notImplemented, `The operation ${operation} is not supported by the local emulator.`);
    }
  } catch (e) {
    return failure(e);
  }
}

function failure(e: unknown): ManagementResponse {
  const error = e instanceof BrokerError ? e : new BrokerError('amqp:internal-error', String(e));
  return {
    properties: {
      statusCode: STATUS_BY_CONDITION[error.condition] ?? 500,
      statusDescription: error.message,
      'error-condition': error.condition,
    },
  };
}

/** A topic's management node: a topic sender schedules and cancels messages. */
function topicOperation(broker: Broker, topic: Topic, operation: string, body: Record<string, unknown>): ManagementResponse {
  switch (operation) {
    case 'com.microsoft:schedule-message':
      return scheduleMessages(broker, topic, body);
    case 'com.microsoft:cancel-scheduled-message':
      topic.cancelScheduled(sequenceNumbers(body));
      return ok({});
    default:
      throw new BrokerError(Conditions.notImplemented, `The operation ${operation} is not supported on the topic ${topic.name} by the local emulator.`);
  }
}

// Descriptor codes of the rule descriptions enumerate-rules returns (as the SDK decodes them).
const DESCRIPTORS = {
  ruleDescription: 0x13700000004,
  sqlFilter: 0x1370000006,
  trueFilter: 0x1370000007,
  falseFilter: 0x1370000008,
  correlationFilter: 0x1370000009,
  emptyRuleAction: 0x13700000005,
  sqlRuleAction: 0x13700000006,
};

function described(code: number, fields: unknown[]): unknown {
  return types.described_nc(types.wrap_ulong(code), types.wrap(fields));
}

function nullableString(value: string | undefined): unknown {
  return value === undefined ? null : types.wrap_string(value);
}

/** A rule as the `rule-description` described list of an enumerate-rules response. */
function describeRule(rule: RuleSettings): unknown {
  let filter: unknown;
  if (rule.filter.type === 'sql') {
    const compact = rule.filter.expression.replace(/\s+/g, '');
    if (compact === '1=1') filter = described(DESCRIPTORS.trueFilter, []);
    else if (compact === '1=0') filter = described(DESCRIPTORS.falseFilter, []);
    else filter = described(DESCRIPTORS.sqlFilter, [types.wrap_string(rule.filter.expression)]);
  } else {
    const c = rule.filter.correlation;
    filter = described(DESCRIPTORS.correlationFilter, [
      nullableString(c.correlationId), nullableString(c.messageId), nullableString(c.to), nullableString(c.replyTo),
      nullableString(c.label), nullableString(c.sessionId), nullableString(c.replyToSessionId), nullableString(c.contentType),
      types.wrap_map(c.properties ?? {}),
    ]);
  }
  const action = rule.action === undefined
    ? described(DESCRIPTORS.emptyRuleAction, [])
    : described(DESCRIPTORS.sqlRuleAction, [types.wrap_string(rule.action)]);
  return described(DESCRIPTORS.ruleDescription, [filter, action, types.wrap_string(rule.name)]);
}

/** The rule an add-rule request describes (`rule-description` map as the SDK encodes it). */
function ruleFromRequest(name: string, description: Record<string, unknown>): RuleSettings {
  const sql = description['sql-filter'] as { expression?: unknown } | undefined;
  const correlation = description['correlation-filter'] as Record<string, unknown> | undefined;
  const action = description['sql-rule-action'] as { expression?: unknown } | undefined;
  let filter: RuleSettings['filter'];
  if (sql && typeof sql.expression === 'string') {
    filter = { type: 'sql', expression: sql.expression };
  } else if (correlation) {
    const c: CorrelationFilterSettings = {
      correlationId: optionalString(correlation['correlation-id']),
      messageId: optionalString(correlation['message-id']),
      to: optionalString(correlation.to),
      replyTo: optionalString(correlation['reply-to']),
      label: optionalString(correlation.label),
      sessionId: optionalString(correlation['session-id']),
      replyToSessionId: optionalString(correlation['reply-to-session-id']),
      contentType: optionalString(correlation['content-type']),
    };
    const props = correlation.properties;
    if (props && typeof props === 'object' && Object.keys(props).length > 0) c.properties = props as Record<string, unknown>;
    filter = { type: 'correlation', correlation: c };
  } else {
    throw new BrokerError(Conditions.argumentError, `Rule '${name}' has neither a SQL nor a correlation filter.`);
  }
  return { name, filter, action: action && typeof action.expression === 'string' ? action.expression : undefined };
}

/** add-rule, remove-rule, enumerate-rules on a subscription's management node. */
function ruleOperation(subscription: Subscription, operation: string, body: Record<string, unknown>): ManagementResponse {
  switch (operation) {
    case 'com.microsoft:add-rule': {
      const name = optionalString(body['rule-name']);
      const description = body['rule-description'];
      if (!name || !description || typeof description !== 'object') throw new BrokerError(Conditions.argumentError, 'rule-name and rule-description are required');
      subscription.addRule(ruleFromRequest(name, description as Record<string, unknown>));
      return ok({});
    }
    case 'com.microsoft:remove-rule': {
      const name = optionalString(body['rule-name']);
      if (!name) throw new BrokerError(Conditions.argumentError, 'rule-name is required');
      subscription.removeRule(name);
      return ok({});
    }
    case 'com.microsoft:enumerate-rules': {
      const skip = Number(body.skip ?? 0);
      const top = Number(body.top ?? Number.MAX_SAFE_INTEGER);
      const rules = [...subscription.rules.values()].slice(skip, skip + top);
      if (rules.length === 0) return ok(undefined, 204);
      return ok({ rules: rules.map((rule) => ({ 'rule-description': describeRule(rule.settings) })) });
    }
    default:
      throw new BrokerError(Conditions.notImplemented, `The operation ${operation} is not supported by the local emulator.`);
  }
}
