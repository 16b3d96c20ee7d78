/**
 * Trimming limits of event normalization, as Relay applies them
 * (`relay-event-schema` field attributes, `relay-event-normalization` trimming).
 */

/** `MaxChars::Message`: messages, exception values, breadcrumb messages. */
export const MAX_MESSAGE_CHARS = 8192;
/** `MaxChars::Logger`. */
export const MAX_LOGGER_CHARS = 64;
/** `MaxChars::Environment`. */
export const MAX_ENVIRONMENT_CHARS = 64;
/** `MaxChars::Dist`. */
export const MAX_DIST_CHARS = 64;
/** Release names: Sentry rejects releases longer than 200 characters. */
export const MAX_RELEASE_CHARS = 200;
/** `MaxChars::Culprit` / transaction names. */
export const MAX_CULPRIT_CHARS = 200;
/** `MaxChars::TagKey`. */
export const MAX_TAG_KEY_CHARS = 200;
/** `MaxChars::TagValue`. */
export const MAX_TAG_VALUE_CHARS = 200;
/** `MaxChars::Symbol`: frame functions, exception types. */
export const MAX_SYMBOL_CHARS = 256;
/** `MaxChars::Path`: frame filenames and paths. */
export const MAX_PATH_CHARS = 256;
/** Strings inside frame `vars` (Sentry's legacy `MAX_VARIABLE_SIZE`: 512). */
export const MAX_VAR_STRING_CHARS = 512;
/** Frames kept per stack trace; Relay's `enforce_frame_hard_limit` removes the middle beyond 250. */
export const MAX_FRAMES = 250;
/** Breadcrumbs kept, the most recent ones (the SDKs' default `maxBreadcrumbs`: 100). */
export const MAX_BREADCRUMBS = 100;
/** Clock drift below this is not corrected (Relay `MINIMUM_CLOCK_DRIFT`: 55 minutes). */
export const MIN_CLOCK_DRIFT_SECONDS = 55 * 60;
/** Timestamps further ahead of the receive time are replaced (Relay `max_secs_in_future`: 60 s). */
export const MAX_SECONDS_IN_FUTURE = 60;
/** Timestamps further in the past are replaced (Relay `max_secs_in_past`: 30 days). */
export const MAX_SECONDS_IN_PAST = 30 * 24 * 3600;

/** Relay's databag sizes: nesting depth and serialized bytes of a free-form object. */
export interface BagSize {
  maxDepth: number;
  maxBytes: number;
  maxStringChars: number;
}
/** Frame `vars` (Relay: `max_depth = 5, max_bytes = 2048`). */
export const BAG_FRAME_VARS: BagSize = { maxDepth: 5, maxBytes: 2048, maxStringChars: MAX_VAR_STRING_CHARS };
/** Breadcrumb `data` (Relay `BagSize::Medium`: depth 5, 2048 bytes). */
export const BAG_MEDIUM: BagSize = { maxDepth: 5, maxBytes: 2048, maxStringChars: MAX_MESSAGE_CHARS };
/** Request `data`, `user.data`, each context (Relay `BagSize::Larger`: depth 7, 16 KiB). */
export const BAG_LARGER: BagSize = { maxDepth: 7, maxBytes: 16_384, maxStringChars: MAX_MESSAGE_CHARS };
/** `extra` (Relay `BagSize::Massive`: depth 7, 256 KiB). */
export const BAG_MASSIVE: BagSize = { maxDepth: 7, maxBytes: 262_144, maxStringChars: MAX_MESSAGE_CHARS };
