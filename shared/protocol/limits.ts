/**
 * Size limits of the ingestion protocol, with the upstream figure each one
 * follows. Sentry documents them at https://docs.sentry.io/concepts/data-management/size-limits/
 * and https://develop.sentry.dev/sdk/envelopes/#size-limits; Relay's defaults
 * live in `relay-config` (`Limits`).
 */
import { KiB, MiB } from '../infra.ts';

/** A `/store/` body as sent, when compressed (Sentry: "200KB compressed"). */
export const MAX_STORE_COMPRESSED_BYTES = 200 * KiB;
/** A `/store/` body after decompression (Sentry: "1MB decompressed"). */
export const MAX_STORE_DECOMPRESSED_BYTES = 1 * MiB;
/** An envelope as sent (Relay `max_envelope_size` figure in the envelope docs: 20 MiB compressed). */
export const MAX_ENVELOPE_COMPRESSED_BYTES = 20 * MiB;
/** An envelope after decompression (envelope docs: 100 MiB decompressed). */
export const MAX_ENVELOPE_DECOMPRESSED_BYTES = 100 * MiB;
/** One `event`, `transaction`, `feedback` … item (Relay `max_event_size`: 1 MiB). */
export const MAX_EVENT_ITEM_BYTES = 1 * MiB;
/** One `attachment` item (envelope docs: 100 MiB per attachment). */
export const MAX_ATTACHMENT_BYTES = 100 * MiB;
/** All attachments of one envelope together (envelope docs: 100 MiB). */
export const MAX_ATTACHMENTS_TOTAL_BYTES = 100 * MiB;
/** One `session` or `sessions` item (envelope docs: 100 KiB per session item). */
export const MAX_SESSION_ITEM_BYTES = 100 * KiB;
/** `session` items per envelope (Relay `max_session_count`: 100). */
export const MAX_SESSIONS_PER_ENVELOPE = 100;
/** Every other item type, e.g. `client_report`, `log`, `check_in`: held to the event item figure (1 MiB). */
export const MAX_OTHER_ITEM_BYTES = 1 * MiB;
/**
 * Items per envelope. Relay has no fixed count for all types; SDKs send a handful.
 * A cap keeps a malicious envelope of millions of empty items cheap to reject.
 */
export const MAX_ENVELOPE_ITEMS = 1000;
/** One header line of an envelope or item (Relay reads header lines as JSON; SDK headers are < 1 KiB). */
export const MAX_HEADER_LINE_BYTES = 64 * KiB;
/**
 * Largest zstd window we will allocate. The zstd format spec (RFC 8878 §3.1.1.1.2)
 * recommends decoders support at least 8 MiB and allows them to refuse more.
 */
export const MAX_ZSTD_WINDOW_BYTES = 8 * MiB;
/** Longest accepted public key (Sentry keys are 32 hex digits). */
export const MAX_PUBLIC_KEY_CHARS = 128;
