import { DynamoStore } from '#functions/lib/dynamo.ts';
import { createGrouper, type GroupDeps } from '#shared/pipeline/group.ts';

/** The clock of the grouping tests unless one passes its own. */
export const GROUP_NOW = Date.parse('2026-11-24T21:30:00Z');

/**
 * The grouping step on the real DynamoDB adapter (behind `mockTable()`), with
 * ports that accept everything and record nothing: a test overrides the ports
 * it watches (mailer, dead-letter queue, intake, clock).
 */
export function testGrouper(overrides: Partial<GroupDeps> = {}) {
  const store = new DynamoStore('ferret');
  return createGrouper({
    projects: store,
    issues: store,
    events: store,
    alerts: store,
    mailer: { send: async () => undefined },
    blobs: { put: async () => undefined, get: async () => new Uint8Array() },
    queue: { deadLetter: async () => undefined },
    now: () => GROUP_NOW,
    mail: { from: 'f@example.com', to: [] },
    portalUrl: 'https://ferret.example.com',
    log: () => undefined,
    ...overrides,
  });
}
