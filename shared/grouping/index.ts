/**
 * Fingerprinting: which issue an event belongs to, and how that issue is
 * labelled. The hash is stored with the mechanism that made it, so a later
 * algorithm can run beside this one without splitting existing issues.
 */
import type { NormalizedEvent } from '../model.ts';
import { groupV1 } from './v1.ts';

export interface Grouping {
  /** 32 lowercase hex chars */
  hash: string;
  /** the algorithm that made the hash; stored beside it so a later one can run side by side */
  mechanism: 'v1';
  /** human description of what contributed, shown on the issue: "stack trace — 3 in-app frames",
   *  "exception type and value", "message", "custom fingerprint" */
  groupedBy: string;
  /** the normalized values that were hashed, kept with the event for debugging */
  components: string[];
}

/** The mechanism new events are grouped with. */
export const CURRENT_MECHANISM: Grouping['mechanism'] = 'v1';

/** Fingerprint an event with the current mechanism. Pure and total: never throws on odd input. */
export function computeGrouping(event: NormalizedEvent): Grouping {
  return groupV1(event);
}

export { eventCulprit, eventMetadata, eventTitle, eventType } from './describe.ts';
export { normalizeMessageForGrouping, parameterize } from './parameterize.ts';
