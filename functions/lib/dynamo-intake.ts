/**
 * DynamoDB adapter for what the grouping step records beside issues (the
 * `IntakeStore` ports): quota counters and outcomes, attachments, user
 * feedback and release health. Same single table as `dynamo.ts`; its items
 * are listed in the key layout comment there.
 */
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { OutcomeCount, OutcomeKind, ReleaseHealth, SessionCounts, StoredAttachment, UserFeedback } from '#shared/model.ts';
import type { IntakeStore } from '#shared/ports.ts';
import { DynamoOutcomeStore } from './dynamo-outcomes.ts';
import { type Item } from './dynamo-table.ts';

/** Minute counters outlive their window by a day; month counters by a year (usage history). */
const MINUTE_TTL_S = 24 * 3600;
const MONTH_TTL_S = 400 * 24 * 3600;
const MAX_RELEASE_CHARS = 200;

export class DynamoIntakeStore extends DynamoOutcomeStore implements IntakeStore {
  // ---- usage: quota counters (outcomes: dynamo-outcomes.ts) ----

  async countEvents(projectId: string, windows: { minute?: number; month?: string }, events: number): Promise<{ minute?: number; month?: number }> {
    const add = async (sk: string, expiresAt: number) => {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `PROJECT#${projectId}`, sk },
          UpdateExpression: 'ADD #c :n SET expiresAt = :exp',
          ExpressionAttributeNames: { '#c': 'count' },
          ExpressionAttributeValues: { ':n': events, ':exp': expiresAt },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return Number(out.Attributes?.['count'] ?? 0);
    };
    const out: { minute?: number; month?: number } = {};
    const now = Math.floor(Date.now() / 1000);
    if (windows.minute !== undefined) out.minute = await add(`USAGE#MIN#${String(windows.minute).padStart(10, '0')}`, windows.minute * 60 + MINUTE_TTL_S);
    if (windows.month !== undefined) out.month = await add(`USAGE#MONTH#${windows.month}`, now + MONTH_TTL_S);
    return out;
  }

  async setLimitedUntil(projectId: string, until: number): Promise<void> {
    await this.setLimitUntil({ pk: `PROJECT#${projectId}`, sk: 'PROJECT' }, until);
  }

  /** A failed condition: a later limit is already set, or the project or key is gone; nothing to do. */
  private async setLimitUntil(Key: Item, until: number): Promise<void> {
    await this.tryUpdate({
      Key,
      UpdateExpression: 'SET limitedUntil = :u',
      ConditionExpression: 'attribute_exists(pk) AND (attribute_not_exists(limitedUntil) OR limitedUntil < :u)',
      ExpressionAttributeValues: { ':u': until },
    });
  }

  async countKeyEvents(publicKey: string, windowSeconds: number, slot: number, events: number): Promise<number> {
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `KEY#${publicKey}`, sk: `USAGE#${windowSeconds}#${slot}` },
        UpdateExpression: 'ADD #c :n SET expiresAt = :exp',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':n': events, ':exp': (slot + 1) * windowSeconds + MINUTE_TTL_S },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.['count'] ?? 0);
  }

  async setKeyLimitedUntil(publicKey: string, until: number): Promise<void> {
    await this.setLimitUntil({ pk: `KEY#${publicKey}`, sk: 'KEY' }, until);
  }

  // ---- attachments ----

  async putAttachment(a: StoredAttachment, expiresAt: number): Promise<void> {
    const item: Item = { pk: `EVENT#${a.projectId}#${a.eventId}`, sk: `ATTACH#${a.id}`, ...a, expiresAt };
    if (a.issueId) Object.assign(item, { gsi1pk: `ISSUE#${a.issueId}#ATTACH`, gsi1sk: `${a.dateCreated}#${a.id}` });
    await this.doc.send(new PutCommand({ TableName: this.table, Item: item }));
  }

  async listIssueAttachments(issueId: string, limit: number): Promise<StoredAttachment[]> {
    const out = await this.doc.send(
      new QueryCommand({ TableName: this.table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': `ISSUE#${issueId}#ATTACH` }, ScanIndexForward: false, Limit: limit }),
    );
    const now = Date.now() / 1000;
    return (out.Items ?? [])
      .filter((i) => !(typeof i['expiresAt'] === 'number' && i['expiresAt'] < now))
      .map(({ pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, expiresAt: _e, ...a }) => a as unknown as StoredAttachment);
  }

  async listAttachments(projectId: string, eventId: string): Promise<StoredAttachment[]> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :p AND begins_with(sk, :a)',
      ExpressionAttributeValues: { ':p': `EVENT#${projectId}#${eventId}`, ':a': 'ATTACH#' },
    });
    const now = Date.now() / 1000;
    return items
      .filter((i) => !(typeof i['expiresAt'] === 'number' && i['expiresAt'] < now))
      .map(({ pk: _pk, sk: _sk, gsi1pk: _g, gsi1sk: _s, expiresAt: _e, ...a }) => a as unknown as StoredAttachment)
      .sort((x, y) => x.dateCreated.localeCompare(y.dateCreated) || x.name.localeCompare(y.name));
  }

  async eventIssueId(projectId: string, eventId: string): Promise<string | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: `EVENT#${projectId}#${eventId}`, sk: 'EVENT' }, ProjectionExpression: 'issueId' }));
    const id = out.Item?.['issueId'];
    return typeof id === 'string' && id !== '' ? id : undefined;
  }

  // ---- user feedback ----

  async putFeedback(f: UserFeedback, expiresAt: number): Promise<boolean> {
    const item: Item = { pk: `PROJECT#${f.projectId}`, sk: `FEEDBACK#${f.id}`, gsi2pk: `PROJECT#${f.projectId}#FEEDBACK`, gsi2sk: `${f.dateCreated}#${f.id}`, ...f, expiresAt };
    if (f.issueId) Object.assign(item, { gsi1pk: `ISSUE#${f.issueId}#FEEDBACK`, gsi1sk: `${f.dateCreated}#${f.id}` });
    const out = await this.doc.send(new PutCommand({ TableName: this.table, Item: item, ReturnValues: 'ALL_OLD' }));
    return out.Attributes === undefined;
  }

  async linkFeedback(f: UserFeedback, issueId: string): Promise<boolean> {
    const out = await this.tryUpdate({
      Key: { pk: `PROJECT#${f.projectId}`, sk: `FEEDBACK#${f.id}` },
      UpdateExpression: 'SET issueId = :i, gsi1pk = :g, gsi1sk = :s',
      ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(issueId)',
      ExpressionAttributeValues: { ':i': issueId, ':g': `ISSUE#${issueId}#FEEDBACK`, ':s': `${f.dateCreated}#${f.id}` },
    });
    return out !== undefined;
  }

  async countIssueFeedback(issueId: string): Promise<void> {
    await this.tryUpdate({
      Key: { pk: `ISSUE#${issueId}`, sk: 'ISSUE' },
      UpdateExpression: 'ADD userReportCount :one',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeValues: { ':one': 1 },
    });
  }

  async listProjectFeedback(projectId: string, limit: number): Promise<UserFeedback[]> {
    // gsi2 projects keys only: the page's keys, then the items.
    const index = await this.doc.send(
      new QueryCommand({ TableName: this.table, IndexName: 'gsi2', KeyConditionExpression: 'gsi2pk = :p', ExpressionAttributeValues: { ':p': `PROJECT#${projectId}#FEEDBACK` }, ScanIndexForward: false, Limit: limit }),
    );
    const page = index.Items ?? [];
    if (page.length === 0) return [];
    const bySk = new Map<unknown, Item>();
    let keys: Array<Record<string, unknown>> | undefined = page.map((k) => ({ pk: k['pk'], sk: k['sk'] }));
    // DynamoDB may leave keys unprocessed under load: asked again, a few times.
    for (let round = 0; keys && keys.length > 0 && round < 4; round++) {
      const got = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys } } }));
      for (const i of got.Responses?.[this.table] ?? []) bySk.set(i['sk'], i);
      keys = got.UnprocessedKeys?.[this.table]?.Keys as Array<Record<string, unknown>> | undefined;
    }
    // In the index's order (newest first); a page is at most 100 keys, one BatchGet.
    return page.flatMap((k) => (bySk.has(k['sk']) ? [feedbackOf(bySk.get(k['sk'])!)] : []));
  }

  async listIssueFeedback(issueId: string, limit: number): Promise<UserFeedback[]> {
    const out = await this.doc.send(
      new QueryCommand({ TableName: this.table, IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': `ISSUE#${issueId}#FEEDBACK` }, ScanIndexForward: false, Limit: limit }),
    );
    return (out.Items ?? []).map(feedbackOf);
  }

  // ---- release health ----

  async addSessionCounts(projectId: string, release: string, environment: string, counts: SessionCounts, seenAt: string): Promise<void> {
    const rel = release.slice(0, MAX_RELEASE_CHARS);
    const env = environment.slice(0, MAX_RELEASE_CHARS);
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `PROJECT#${projectId}`, sk: `RELEASE#${rel}#ENV#${env}` },
        UpdateExpression: 'ADD started :s, errored :e, crashed :c, abnormal :a SET #rel = :rel, #env = :env, firstSeen = if_not_exists(firstSeen, :t), lastSeen = :t',
        ExpressionAttributeNames: { '#rel': 'release', '#env': 'environment' },
        ExpressionAttributeValues: { ':s': counts.started, ':e': counts.errored, ':c': counts.crashed, ':a': counts.abnormal, ':rel': rel, ':env': env, ':t': seenAt },
      }),
    );
  }

  async markSession(projectId: string, sessionId: string, states: Array<'errored' | 'crashed' | 'abnormal'>, expiresAt: number): Promise<Array<'errored' | 'crashed' | 'abnormal'>> {
    if (states.length === 0) return [];
    const names: Record<string, string> = {};
    const sets = ['expiresAt = :exp'];
    states.forEach((s, i) => {
      names[`#s${i}`] = s;
      sets.push(`#s${i} = :true`);
    });
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `SESSION#${projectId}#${sessionId.slice(0, 128)}`, sk: 'SESSION' },
        UpdateExpression: `SET ${sets.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':true': true, ':exp': expiresAt },
        ReturnValues: 'ALL_OLD',
      }),
    );
    const old = out.Attributes ?? {};
    // An expired copy (TTL deletion is lazy) counts as absent.
    const live = !(typeof old['expiresAt'] === 'number' && old['expiresAt'] < Date.now() / 1000);
    return states.filter((s) => !(live && old[s] === true));
  }

  async listReleaseHealth(projectId: string): Promise<ReleaseHealth[]> {
    const items = await this.queryAll({ KeyConditionExpression: 'pk = :p AND begins_with(sk, :r)', ExpressionAttributeValues: { ':p': `PROJECT#${projectId}`, ':r': 'RELEASE#' } });
    return items.map((i) => ({
      release: String(i['release']),
      environment: String(i['environment'] ?? ''),
      started: Number(i['started'] ?? 0),
      errored: Number(i['errored'] ?? 0),
      crashed: Number(i['crashed'] ?? 0),
      abnormal: Number(i['abnormal'] ?? 0),
      firstSeen: String(i['firstSeen'] ?? ''),
      lastSeen: String(i['lastSeen'] ?? ''),
    }));
  }
}

function feedbackOf(item: Item): UserFeedback {
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, expiresAt: _e, ...rest } = item;
  return rest as unknown as UserFeedback;
}
