/**
 * AMQP encoding helpers for the broker, on top of rhea's codec.
 *
 * Messages are stored as the client encoded them: the properties, application-properties and body
 * sections are kept as raw bytes and forwarded untouched, so types the broker does not understand
 * survive the round trip. Only the header and message annotations (delivery count, sequence number,
 * lock expiry...) are rebuilt on each delivery, as the real service does.
 */
import { randomUUID } from 'node:crypto';
import rhea from 'rhea';

// rhea exposes its codec on the container; these are the few internals used here (rhea is pinned).
export interface Typed {
  type: { typecode: number };
  value: unknown;
  descriptor?: Typed;
}
interface RheaReader {
  position: number;
  read(): Typed;
  remaining(): number;
}
interface RheaWriter {
  write(value: unknown): void;
  toBuffer(): Buffer;
}
interface RheaTypes {
  Reader: new (buffer: Buffer) => RheaReader;
  Writer: new () => RheaWriter;
  wrap(value: unknown): Typed;
  wrap_long(value: number | Buffer): Typed;
  wrap_uint(value: number): Typed;
  wrap_int(value: number): Typed;
  wrap_ulong(value: number): Typed;
  wrap_string(value: string): Typed;
  wrap_symbol(value: string): Typed;
  wrap_uuid(value: Buffer): Typed;
  wrap_binary(value: Buffer): Typed;
  wrap_boolean(value: boolean): Typed;
  wrap_timestamp(value: number): Typed;
  wrap_array(items: unknown[], code: number, descriptor?: unknown): Typed;
  wrap_map(map: Record<string, unknown>, keyWrapper?: (k: string) => Typed): Typed;
  wrap_symbolic_map(map: Record<string, unknown>): Typed;
  described_nc(descriptor: Typed, value: Typed): Typed;
  unwrap(value: unknown, leaveDescribed?: boolean): unknown;
  Map32(items: Typed[]): Typed;
}
export const types = rhea.types as unknown as RheaTypes;
const rheaMessage = rhea.message as unknown as {
  decode(buffer: Buffer): DecodedMessage;
  encode(message: unknown): Buffer;
  header(fields: Record<string, unknown>): { described(): Typed };
};

/** The fields of a message as rhea decodes them (plain JavaScript values). */
export interface DecodedMessage {
  durable?: boolean;
  priority?: number;
  ttl?: number;
  delivery_count?: number;
  message_id?: unknown;
  to?: string;
  reply_to?: string;
  correlation_id?: unknown;
  group_id?: string;
  absolute_expiry_time?: Date;
  message_annotations?: Record<string, unknown>;
  application_properties?: Record<string, unknown>;
  body?: unknown;
}

const RAW = Symbol('servicebus-emulator.raw');
const brokerContainers = new WeakSet<object>();
let installed = false;
let capturing = false;

/**
 * rhea hands a server only decoded messages. To keep the raw bytes, wrap message.decode so that,
 * while a transfer on one of the broker's own connections is being processed, the decoded message
 * also carries its encoded form. Clients running in the same process (the SDK in tests) are left
 * untouched: the flag is only raised for connections of registered broker containers.
 */
export function captureRawMessages(container: object): void {
  brokerContainers.add(container);
  if (installed) return;
  installed = true;
  const originalDecode = rheaMessage.decode.bind(rheaMessage);
  rheaMessage.decode = (buffer: Buffer) => {
    const decoded = originalDecode(buffer);
    if (capturing) Object.defineProperty(decoded, RAW, { value: buffer, enumerable: false });
    return decoded;
  };
  const Session = require('rhea/lib/session.js') as { prototype: { on_transfer(this: { connection: { container: object } }, frame: unknown): void } };
  const originalOnTransfer = Session.prototype.on_transfer;
  Session.prototype.on_transfer = function (frame: unknown) {
    if (!brokerContainers.has(this.connection.container)) return originalOnTransfer.call(this, frame);
    capturing = true;
    try {
      return originalOnTransfer.call(this, frame);
    } finally {
      capturing = false;
    }
  };
}

export function rawOf(message: object): Buffer | undefined {
  return (message as { [RAW]?: Buffer })[RAW];
}

export function decodeMessage(buffer: Buffer): DecodedMessage {
  return rheaMessage.decode(buffer);
}

/** The parts of an encoded message the broker keeps verbatim. */
export interface RawSections {
  properties?: Buffer;
  applicationProperties?: Buffer;
  /** Body sections (data / amqp-sequence / amqp-value) and footer, in order. */
  body: Buffer;
}

const SECTION_PROPERTIES = 0x73;
const SECTION_APPLICATION_PROPERTIES = 0x74;
const SECTION_MESSAGE_ANNOTATIONS = 0x72;
const SECTION_HEADER = 0x70;
const SECTION_DELIVERY_ANNOTATIONS = 0x71;

function descriptorCode(section: Typed): number | undefined {
  const v = section.descriptor?.value;
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const names: Record<string, number> = {
      'amqp:header:list': 0x70, 'amqp:delivery-annotations:map': 0x71, 'amqp:message-annotations:map': 0x72,
      'amqp:properties:list': 0x73, 'amqp:application-properties:map': 0x74,
    };
    return names[v];
  }
  return undefined;
}

export function splitSections(buffer: Buffer): RawSections {
  const reader = new types.Reader(buffer);
  const result: RawSections = { body: Buffer.alloc(0) };
  let bodyStart = -1;
  while (reader.remaining() > 0) {
    const start = reader.position;
    const section = reader.read();
    const code = descriptorCode(section);
    // Copy: the input may be a slice of a larger socket buffer we must not keep alive.
    const bytes = () => Buffer.from(buffer.subarray(start, reader.position));
    if (code === SECTION_PROPERTIES) result.properties = bytes();
    else if (code === SECTION_APPLICATION_PROPERTIES) result.applicationProperties = bytes();
    else if (code === SECTION_HEADER || code === SECTION_DELIVERY_ANNOTATIONS || code === SECTION_MESSAGE_ANNOTATIONS) continue;
    else if (bodyStart < 0) bodyStart = start;
  }
  if (bodyStart >= 0) result.body = Buffer.from(buffer.subarray(bodyStart));
  return result;
}

/** Sets properties.message-id (the service assigns one when the sender gave none). */
export function withMessageId(properties: Buffer | undefined, messageId: string): Buffer {
  const writer = new types.Writer();
  if (!properties) {
    writer.write(types.described_nc(types.wrap_ulong(SECTION_PROPERTIES), types.wrap([types.wrap_string(messageId)])));
    return writer.toBuffer();
  }
  const section = new types.Reader(properties).read();
  const fields = [...(section.value as Typed[])];
  fields[0] = types.wrap_string(messageId);
  writer.write(types.described_nc(types.wrap_ulong(SECTION_PROPERTIES), types.wrap(fields)));
  return writer.toBuffer();
}

/**
 * Application properties with some entries replaced (dead-letter reason, properties to modify on
 * abandon/defer). Other entries keep their exact AMQP types.
 */
export function withApplicationProperties(section: Buffer | undefined, changes: Record<string, unknown>, remove: string[] = []): Buffer {
  let entries: Typed[] = section ? [...((new types.Reader(section).read().value as Typed[]))] : [];
  if (remove.length > 0) {
    const kept: Typed[] = [];
    for (let i = 0; i + 1 < entries.length; i += 2) {
      if (!remove.includes(String(entries[i]?.value))) kept.push(entries[i]!, entries[i + 1]!);
    }
    entries = kept;
  }
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    const wrapped = types.wrap(value);
    let replaced = false;
    for (let i = 0; i + 1 < entries.length; i += 2) {
      if (entries[i]?.value === key) {
        entries[i + 1] = wrapped;
        replaced = true;
      }
    }
    if (!replaced) entries.push(types.wrap_string(key), wrapped);
  }
  const writer = new types.Writer();
  writer.write(types.described_nc(types.wrap_ulong(SECTION_APPLICATION_PROPERTIES), types.Map32(entries)));
  return writer.toBuffer();
}

// Fields of the AMQP properties list, by position.
export const PropertyField = {
  messageId: 0, to: 2, subject: 3, replyTo: 4, correlationId: 5, contentType: 6, groupId: 10, replyToGroupId: 12,
} as const;

/** The properties section with some fields replaced (a rule action's SET sys.Label = ...). */
export function withPropertyFields(properties: Buffer | undefined, changes: Map<number, string | null>): Buffer {
  const fields: Typed[] = properties ? [...(new types.Reader(properties).read().value as Typed[])] : [];
  for (const [index, value] of changes) {
    while (fields.length <= index) fields.push(types.wrap(null));
    fields[index] = value === null ? types.wrap(null) : types.wrap_string(value);
  }
  const writer = new types.Writer();
  writer.write(types.described_nc(types.wrap_ulong(SECTION_PROPERTIES), types.wrap(fields)));
  return writer.toBuffer();
}

/** Decodes only the properties and application-properties sections (for filters and actions). */
export function decodeHeadSections(sections: RawSections): DecodedMessage {
  const parts = [sections.properties, sections.applicationProperties].filter((b): b is Buffer => b !== undefined);
  return parts.length === 0 ? {} : decodeMessage(Buffer.concat(parts));
}

export interface DeliveryHeader {
  durable?: boolean;
  priority?: number;
  ttl?: number;
  deliveryCount: number;
}

/** header + message annotations + the stored raw sections. */
export function encodeMessage(header: DeliveryHeader, annotations: Record<string, unknown>, sections: RawSections): Buffer {
  const writer = new types.Writer();
  const fields: Record<string, unknown> = { delivery_count: header.deliveryCount };
  if (header.durable) fields.durable = true;
  if (header.priority !== undefined) fields.priority = header.priority;
  if (header.ttl !== undefined) fields.ttl = header.ttl;
  writer.write(rheaMessage.header(fields).described());
  writer.write(types.described_nc(types.wrap_ulong(SECTION_MESSAGE_ANNOTATIONS), types.wrap_symbolic_map(annotations)));
  const head = writer.toBuffer();
  const parts = [head];
  if (sections.properties) parts.push(sections.properties);
  if (sections.applicationProperties) parts.push(sections.applicationProperties);
  parts.push(sections.body);
  return Buffer.concat(parts);
}

/** Encodes a plain message (management replies, CBS replies) with rhea. */
export function encodePlain(message: unknown): Buffer {
  return rheaMessage.encode(message);
}

// ---- lock tokens and ids ----

/** A GUID as .NET writes it: the first three groups little-endian. */
export function toDotNetGuidBytes(rfc: Buffer): Buffer {
  const b = Buffer.from(rfc);
  b.writeUInt32LE(rfc.readUInt32BE(0), 0);
  b.writeUInt16LE(rfc.readUInt16BE(4), 4);
  b.writeUInt16LE(rfc.readUInt16BE(6), 6);
  return b;
}

export function uuidToBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

export function bytesToUuid(bytes: Buffer): string {
  const h = bytes.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function newLockToken(): string {
  return randomUUID();
}

/** .NET ticks (100 ns since 0001-01-01) as 8 big-endian bytes, for com.microsoft:locked-until-utc. */
export function toDotNetTicks(ms: number): Buffer {
  const ticks = BigInt(Math.round(ms)) * 10_000n + 621_355_968_000_000_000n;
  const buffer = Buffer.alloc(8);
  buffer.writeBigInt64BE(ticks);
  return buffer;
}

/** A long from the SDK: small values arrive as numbers, large ones as 8 bytes. */
export function longToNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (Buffer.isBuffer(value)) return Number(value.readBigInt64BE(0));
  if (typeof value === 'bigint') return Number(value);
  throw new Error('expected a long');
}

/** A message id as a string key for duplicate detection. */
export function messageIdKey(id: unknown): string | undefined {
  if (id === undefined || id === null) return undefined;
  if (Buffer.isBuffer(id)) return id.length === 16 ? bytesToUuid(id) : id.toString('hex');
  return String(id);
}

type OutcomeFactory = (fields?: Record<string, unknown>) => { described(): unknown };
/** Delivery outcomes (rhea builds them; its typings do not declare the factories). */
export const outcomes = rhea.message as unknown as {
  accepted: OutcomeFactory;
  rejected: OutcomeFactory;
  released: OutcomeFactory;
  modified: OutcomeFactory;
};
