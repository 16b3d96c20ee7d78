/**
 * An ingest request as the SDK sent it → the project, the key and the items.
 * Pure (Relay's `parse_request` over `parse_bytes`): the ingest Lambda maps API
 * Gateway's event to {@link IngestRequest} and the result to a queue message.
 */
import { AuthForbiddenError, PayloadTooLargeError, ProtocolError } from '../errors.ts';
import { INGEST_PATH } from '../infra.ts';
import { authCandidates, resolvePublicKey, type AuthCandidate } from './auth.ts';
import { DecodeError, decodeBody, decodeLegacyStoreBody, parseContentEncoding } from './decode.ts';
import { parseDsn } from './dsn.ts';
import { parseEnvelope, type EnvelopeItem } from './envelope.ts';
import {
  MAX_ATTACHMENT_BYTES,
  MAX_ATTACHMENTS_TOTAL_BYTES,
  MAX_ENVELOPE_COMPRESSED_BYTES,
  MAX_ENVELOPE_DECOMPRESSED_BYTES,
  MAX_EVENT_ITEM_BYTES,
  MAX_OTHER_ITEM_BYTES,
  MAX_SESSION_ITEM_BYTES,
  MAX_SESSIONS_PER_ENVELOPE,
  MAX_STORE_COMPRESSED_BYTES,
  MAX_STORE_DECOMPRESSED_BYTES,
} from './limits.ts';

export interface IngestRequest {
  /** `'POST' | 'OPTIONS'` … */
  method: string;
  /** Raw path, e.g. `/some/prefix/api/42/envelope/`. */
  path: string;
  /** Decoded query string. */
  query: Record<string, string>;
  /** Lower-cased names. */
  headers: Record<string, string>;
  /** Raw bytes as received (still compressed). */
  body: Uint8Array;
  /**
   * True when API Gateway delivered the body as a UTF-8 string (HTTP API text content types), so binary
   * compressed bytes may have been mangled: a compressed body that fails to decode then gets a clear 400
   * naming the `ferret:ingestApi=rest` CDK context switch (see DESIGN.md "Open risk").
   */
  bodyWasText: boolean;
}

export interface ParsedIngest {
  kind: 'envelope' | 'store';
  /** From the URL (or the envelope's `dsn`); undefined for `/api/store/` (then resolved from the key by the caller). */
  projectId: string | undefined;
  /** From X-Sentry-Auth, Authorization: Sentry …, Authorization: Basic, query ?sentry_key=, or envelope header dsn. */
  publicKey: string;
  /** Event id to answer with (`{"id": …}`), undefined when the envelope holds no event/transaction. */
  eventId: string | undefined;
  /** Envelope header (`sent_at`, `dsn`, `sdk`, …); for store, {}. */
  envelopeHeaders: Record<string, unknown>;
  items: Array<{ type: string; headers: Record<string, unknown>; payload: Uint8Array }>;
}

export interface ParseIngestOptions {
  /** Makes a new event id when the payload has none (default: a random UUID). */
  newEventId?: () => string;
}

/** The path is not a DSN route. */
export class NotIngestPathError extends ProtocolError {
  override readonly status = 404;
}
/** DSN routes take POST (and OPTIONS, answered before parsing). */
export class MethodNotAllowedError extends ProtocolError {
  override readonly status = 405;
}

/** Item types that carry an event; their id is the answer's `id`. */
const EVENT_ITEM_TYPES: ReadonlySet<string> = new Set(['event', 'transaction']);
const EVENT_SIZED_ITEM_TYPES: ReadonlySet<string> = new Set(['event', 'transaction', 'feedback', 'user_report', 'security', 'raw_security', 'form_data', 'nel']);
const SESSION_ITEM_TYPES: ReadonlySet<string> = new Set(['session', 'sessions']);
const ATTACHMENT_ITEM_TYPES: ReadonlySet<string> = new Set(['attachment', 'replay_recording', 'replay_video', 'profile_chunk']);

/** The configuration switch that puts the DSN routes on a REST API with binary media types. */
export const INGEST_API_SWITCH = 'ferret:ingestApi=rest';

/**
 * Parse and check an ingest request. Pure. Throws only ProtocolError subclasses from shared/errors.ts
 * (AuthMissingError 401, AuthForbiddenError 403 for disagreeing key sources or a dsn naming another
 * project, PayloadTooLargeError 413, ProtocolError 400, …).
 */
export function parseIngestRequest(req: IngestRequest, options: ParseIngestOptions = {}): ParsedIngest {
  const match = INGEST_PATH.exec(req.path);
  if (match?.groups === undefined) throw new NotIngestPathError(`not an ingest path: ${req.path.slice(0, 200)}`);
  const kind = match.groups['kind'] === 'envelope' ? 'envelope' : 'store';
  const urlProjectId = match.groups['projectId'];
  if (req.method.toUpperCase() !== 'POST') throw new MethodNotAllowedError(`method ${req.method.slice(0, 16)} not allowed on ${kind}`);

  const candidates = authCandidates(req.headers, req.query);
  // A store body never names its key: fail before spending time on the body.
  if (kind === 'store') resolvePublicKey(candidates);

  const encodings = parseContentEncoding(req.headers['content-encoding']);
  const compressedLimit = kind === 'store' ? MAX_STORE_COMPRESSED_BYTES : MAX_ENVELOPE_COMPRESSED_BYTES;
  const decompressedLimit = kind === 'store' ? MAX_STORE_DECOMPRESSED_BYTES : MAX_ENVELOPE_DECOMPRESSED_BYTES;
  const rawLimit = encodings.length > 0 ? compressedLimit : decompressedLimit;
  if (req.body.length > rawLimit) throw new PayloadTooLargeError(`${kind} body of ${req.body.length} bytes exceeds ${rawLimit} bytes`);

  let body: Uint8Array;
  try {
    body = decodeBody(req.body, encodings, decompressedLimit);
    if (kind === 'store' && encodings.length === 0) body = decodeLegacyStoreBody(body, decompressedLimit);
  } catch (error) {
    if (error instanceof DecodeError && req.bodyWasText) {
      throw new ProtocolError(
        `compressed body could not be decoded; it reached the function as text and was probably mangled. ` +
          `Deploy with the CDK context ${INGEST_API_SWITCH} so DSN routes receive binary bodies, or send it uncompressed.`,
        { cause: error },
      );
    }
    throw error;
  }

  return kind === 'store'
    ? parseStore(body, urlProjectId, candidates, options)
    : parseEnvelopeRequest(body, urlProjectId, candidates, options);
}

function parseStore(body: Uint8Array, projectId: string | undefined, candidates: AuthCandidate[], options: ParseIngestOptions): ParsedIngest {
  const publicKey = resolvePublicKey(candidates);
  const event = parseJsonObject(body, 'store body');
  const eventId = normalizeEventId(event['event_id']) ?? newEventId(options);
  return {
    kind: 'store',
    projectId,
    publicKey,
    eventId,
    envelopeHeaders: {},
    items: [{ type: 'event', headers: {}, payload: body }],
  };
}

function parseEnvelopeRequest(body: Uint8Array, urlProjectId: string | undefined, candidates: AuthCandidate[], options: ParseIngestOptions): ParsedIngest {
  const envelope = parseEnvelope(body);
  let projectId = urlProjectId;
  const dsnValue = envelope.headers['dsn'];
  if (dsnValue !== undefined && dsnValue !== null) {
    if (typeof dsnValue !== 'string') throw new ProtocolError('envelope header dsn is not a string');
    const dsn = parseDsn(dsnValue);
    if (projectId !== undefined && dsn.projectId !== projectId) {
      throw new AuthForbiddenError(`envelope dsn names project ${dsn.projectId.slice(0, 32)}, the URL names ${projectId}`);
    }
    projectId = dsn.projectId;
    candidates = [...candidates, { source: 'envelope-dsn', publicKey: dsn.publicKey }];
  }
  const publicKey = resolvePublicKey(candidates);
  checkItemLimits(envelope.items);

  let eventId: string | undefined;
  const eventItem = envelope.items.find((item) => EVENT_ITEM_TYPES.has(item.type));
  if (eventItem !== undefined) {
    eventId = normalizeEventId(envelope.headers['event_id']);
    if (eventId === undefined) {
      const payload = parseJsonObject(eventItem.payload, `${eventItem.type} item`);
      eventId = normalizeEventId(payload['event_id']) ?? newEventId(options);
    }
  }
  return { kind: 'envelope', projectId, publicKey, eventId, envelopeHeaders: envelope.headers, items: envelope.items };
}

function checkItemLimits(items: readonly EnvelopeItem[]): void {
  let sessions = 0;
  let attachments = 0;
  for (const item of items) {
    const size = item.payload.length;
    let limit = MAX_OTHER_ITEM_BYTES;
    if (EVENT_SIZED_ITEM_TYPES.has(item.type)) limit = MAX_EVENT_ITEM_BYTES;
    else if (SESSION_ITEM_TYPES.has(item.type)) {
      limit = MAX_SESSION_ITEM_BYTES;
      sessions += 1;
    } else if (ATTACHMENT_ITEM_TYPES.has(item.type)) {
      limit = MAX_ATTACHMENT_BYTES;
      attachments += size;
    }
    if (size > limit) throw new PayloadTooLargeError(`${item.type.slice(0, 64)} item of ${size} bytes exceeds ${limit} bytes`);
  }
  if (sessions > MAX_SESSIONS_PER_ENVELOPE) throw new PayloadTooLargeError(`envelope has ${sessions} session items; at most ${MAX_SESSIONS_PER_ENVELOPE} are accepted`);
  if (attachments > MAX_ATTACHMENTS_TOTAL_BYTES) throw new PayloadTooLargeError(`envelope attachments total ${attachments} bytes; at most ${MAX_ATTACHMENTS_TOTAL_BYTES}`);
}

const utf8 = new TextDecoder('utf-8');

function parseJsonObject(bytes: Uint8Array, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(utf8.decode(bytes));
  } catch (cause) {
    throw new ProtocolError(`${what} is not valid JSON`, { cause });
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ProtocolError(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/**
 * An event id in Sentry's form (32 lowercase hex digits), from a UUID with or
 * without dashes; undefined when `value` is not one.
 */
export function normalizeEventId(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  if (!UUID.test(trimmed)) return undefined;
  const id = trimmed.replace(/-/g, '').toLowerCase();
  return /^0+$/.test(id) ? undefined : id;
}

function newEventId(options: ParseIngestOptions): string {
  const id = normalizeEventId(options.newEventId?.() ?? globalThis.crypto.randomUUID());
  if (id === undefined) throw new ProtocolError('could not make an event id');
  return id;
}

/**
 * CORS headers as Relay sends them: any origin; the SDK's headers allowed;
 * the rate-limit headers exposed so browser SDKs can read them.
 */
export const CORS_HEADERS: Record<string, string> = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers':
    'x-sentry-auth, x-requested-with, x-forwarded-for, origin, referer, accept, content-type, content-encoding, authorization, ' +
    'sentry-trace, baggage, traceparent, x-sentry-relay-id, x-sentry-relay-signature',
  'access-control-expose-headers': 'x-sentry-error, x-sentry-rate-limits, retry-after',
  'access-control-max-age': '3600',
};

/**
 * Headers answering a CORS preflight: {@link CORS_HEADERS}, with the request
 * headers the browser asked for echoed back, since SDK transports may add
 * their own (`transportOptions.headers`).
 */
export function corsPreflightHeaders(requestHeaders: Record<string, string>): Record<string, string> {
  const asked = requestHeaders['access-control-request-headers'];
  if (asked === undefined || !/^[A-Za-z0-9_, -]{1,2048}$/.test(asked)) return { ...CORS_HEADERS };
  const allowed = new Set((CORS_HEADERS['access-control-allow-headers'] ?? '').split(/\s*,\s*/));
  for (const name of asked.split(',')) {
    const trimmed = name.trim().toLowerCase();
    if (trimmed !== '') allowed.add(trimmed);
  }
  return { ...CORS_HEADERS, 'access-control-allow-headers': [...allowed].join(', ') };
}
