/** Issue items as the DynamoDB adapter stores them, for tests that answer its reads from a mocked table. */
export type Row = Record<string, unknown>;

/** The stored attributes of issue `id` of project 1 (unresolved, three events, seen on 2026-11-01), then `patch`. */
export function issueItem(id: string, patch: Row = {}): Row {
  return {
    pk: `ISSUE#${id}`,
    sk: 'ISSUE',
    id,
    projectId: '1',
    title: `Error ${id}`,
    culprit: 'x',
    shortId: `P-${id}`,
    metadata: {},
    status: 'unresolved',
    level: 'error',
    firstSeen: '2026-11-01T00:00:00.000Z',
    lastSeen: '2026-11-01T00:00:00.000Z',
    count: 3,
    userCount: 0,
    hashes: [],
    ...patch,
  };
}
