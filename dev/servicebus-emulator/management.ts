/**
 * The `<queue>/$management` node: request/response operations the SDK sends as AMQP messages
 * (application_properties.operation = com.microsoft:<op>, body = map).
 */
import { bytesToUuid, decodeMessage, longToNumber, types, uuidToBytes, type DecodedMessage } from './amqp-codec';
import type { Broker } from './broker';
import { BrokerError, Conditions, type Queue } from './queue';

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

export function handleManagementRequest(broker: Broker, queue: Queue, request: DecodedMessage): ManagementResponse {
  const operation = String(request.application_properties?.operation ?? '');
  const body = (request.body && typeof request.body === 'object' ? request.body : {}) as Record<string, unknown>;
  try {
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
      case 'com.microsoft:schedule-message': {
        const entries = body.messages;
        if (!Array.isArray(entries)) throw new BrokerError(Conditions.argumentError, 'messages is required');
        const incoming = entries.map((entry: Record<string, unknown>) => {
          const encoded = entry.message as Buffer;
          return broker.toIncoming(decodeMessage(encoded), encoded);
        });
        const numbers = incoming.map((m) => queue.enqueue(m) ?? 0);
        return ok({ 'sequence-numbers': types.wrap_array(numbers, 0x81) });
      }
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
    const error = e instanceof BrokerError ? e : new BrokerError('amqp:internal-error', String(e));
    return {
      properties: {
        statusCode: STATUS_BY_CONDITION[error.condition] ?? 500,
        statusDescription: error.message,
        'error-condition': error.condition,
      },
    };
  }
}
