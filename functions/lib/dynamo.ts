/**
 * DynamoDB adapter: implements the stores of `shared/ports.ts` on the single
 * table defined in `shared/infra.ts`. Only I/O lives here; a failed condition
 * becomes a domain answer or a typed error.
 *
 * Item layout (pk / sk):
 *   ORG#{slug} / ORG                       organization (gsi1: ORGS / slug)
 *   ORG#{slug} / SLUG#{projectSlug}        project slug claim
 *   PROJECT#{id} / PROJECT                 project (gsi1: ORG#{slug}#PROJECTS / slug)
 *   KEY#{publicKey} / KEY                  DSN key (gsi1: PROJECT#{id}#KEYS / date)
 *   SEQ#{name} / SEQ                       id sequences
 *   PROJECT#{id} / HASH#{mechanism:hash}   fingerprint → issue id
 *   PROJECT#{id} / RULE#{ruleId}           alert rule
 *   ISSUE#{id} / ISSUE                     issue (gsi1: PROJECT#{id}#ISSUES / lastSeen)
 *   ISSUE#{id} / HOUR#{yyyy-mm-ddThh}      hourly event count (TTL)
 *   ISSUE#{id} / MIN#{epochMinute}         minute count for frequency alerts (TTL)
 *   ISSUE#{id} / USER#{user}               user seen on the issue
 *   EVENT#{projectId}#{eventId} / EVENT    event, gzip JSON (gsi2: ISSUE#{id}#EVENTS / date#id; TTL)
 *   ALERT#{ruleId}#{issueId} / ALERT       alert suppression key (TTL = end of the window)
 *   TOKEN#{sha256} / TOKEN                 API token, stored hashed
 */
import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type QueryCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { gunzipSync, gzipSync } from 'node:zlib';
import type { AlertRule } from '#shared/alerts/rules.ts';
import { ConflictError, NotFoundError } from '#shared/errors.ts';
import type { Issue, IssueStatus, IssueSubstatus, Organization, Project, ProjectKey, StoredEvent } from '#shared/model.ts';
import type { AlertStore, EventStore, IssueDelta, IssueQuery, IssueStore, IssueUpdateResult, ProjectStore, TokenStore } from '#shared/ports.ts';

type Item = Record<string, unknown>;

/** Internal attributes that are not part of the domain objects. */
const KEY_ATTRS = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'expiresAt'];
function strip<T>(item: Item | undefined): T | undefined {
  if (!item) return undefined;
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_ATTRS.includes(k)) out[k] = v;
  return out as T;
}

const isConditionFailure = (e: unknown) =>
  e instanceof ConditionalCheckFailedException || (e as { name?: string })?.name === 'ConditionalCheckFailedException';

/** Minute counters live a day; hourly counts a little over the 30-day chart. */
const MINUTE_COUNT_TTL_S = 24 * 3600;
const HOUR_COUNT_TTL_S = 32 * 24 * 3600;

export class DynamoStore implements ProjectStore, IssueStore, EventStore, AlertStore, TokenStore {
  readonly doc: DynamoDBDocumentClient;

  constructor(
    readonly table: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  private async get(pk: string, sk: string): Promise<Item | undefined> {
    const out = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk, sk } }));
    return out.Item;
  }

  private async queryAll(input: Omit<QueryCommandInput, 'TableName'>, max = 1000): Promise<Item[]> {
    const items: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.doc.send(new QueryCommand({ ...input, TableName: this.table, ExclusiveStartKey: start }));
      items.push(...(out.Items ?? []));
      start = out.LastEvaluatedKey;
    } while (start && items.length < max);
    return items;
  }

  // ---- organizations and projects ----

  async listOrganizations(): Promise<Organization[]> {
    const items = await this.queryAll({ IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': 'ORGS' } });
    return items.map((i) => strip<Organization>(i)!);
  }

  async getOrganization(slug: string): Promise<Organization | undefined> {
    return strip<Organization>(await this.get(`ORG#${slug}`, 'ORG'));
  }

  async putOrganization(org: Organization): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: `ORG#${org.slug}`, sk: 'ORG', gsi1pk: 'ORGS', gsi1sk: org.slug, ...org } }));
  }

  async getProject(id: string): Promise<Project | undefined> {
    return strip<Project>(await this.get(`PROJECT#${id}`, 'PROJECT'));
  }

  async getProjectBySlug(orgSlug: string, slug: string): Promise<Project | undefined> {
    const items = await this.queryAll({
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :p AND gsi1sk = :s',
      ExpressionAttributeValues: { ':p': `ORG#${orgSlug}#PROJECTS`, ':s': slug },
    });
    return strip<Project>(items[0]);
  }

  async listProjects(orgSlug: string): Promise<Project[]> {
    const items = await this.queryAll({ IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': `ORG#${orgSlug}#PROJECTS` } });
    return items.map((i) => strip<Project>(i)!);
  }

  async createProject(project: Project): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `ORG#${project.orgSlug}`, sk: `SLUG#${project.slug}`, projectId: project.id },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (e) {
      if (isConditionFailure(e)) throw new ConflictError(`a project with the slug ${project.slug} already exists`);
      throw e;
    }
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `PROJECT#${project.id}`, sk: 'PROJECT', gsi1pk: `ORG#${project.orgSlug}#PROJECTS`, gsi1sk: project.slug, ...project },
      }),
    );
  }

  async getKey(publicKey: string): Promise<ProjectKey | undefined> {
    return strip<ProjectKey>(await this.get(`KEY#${publicKey}`, 'KEY'));
  }

  async listKeys(projectId: string): Promise<ProjectKey[]> {
    const items = await this.queryAll({ IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': `PROJECT#${projectId}#KEYS` } });
    return items.map((i) => strip<ProjectKey>(i)!);
  }

  async putKey(key: ProjectKey): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `KEY#${key.publicKey}`, sk: 'KEY', gsi1pk: `PROJECT#${key.projectId}#KEYS`, gsi1sk: key.dateCreated, ...key },
      }),
    );
  }

  async nextId(sequence: string): Promise<number> {
    const out = await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `SEQ#${sequence}`, sk: 'SEQ' },
        UpdateExpression: 'ADD #v :one',
        ExpressionAttributeNames: { '#v': 'value' },
        ExpressionAttributeValues: { ':one': 1 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.['value']);
  }

  // ---- issues ----

  async findIssueByHash(projectId: string, hash: string): Promise<string | undefined> {
    const item = await this.get(`PROJECT#${projectId}`, `HASH#${hash}`);
    return item?.['issueId'] as string | undefined;
  }

  async createIssue(issue: Issue): Promise<{ id: string; created: boolean }> {
    // The issue item is written first so the hash never points at nothing; a
    // writer that loses the hash race removes its unused issue item.
    await this.doc.send(new PutCommand({ TableName: this.table, Item: this.issueItem(issue) }));
    const hash = issue.hashes[0]!;
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `PROJECT#${issue.projectId}`, sk: `HASH#${hash}`, issueId: issue.id },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return { id: issue.id, created: true };
    } catch (e) {
      if (!isConditionFailure(e)) throw e;
      await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: `ISSUE#${issue.id}`, sk: 'ISSUE' } }));
      const winner = await this.findIssueByHash(issue.projectId, hash);
      if (!winner) throw new Error(`fingerprint ${hash} claimed but unreadable`, { cause: e });
      return { id: winner, created: false };
    }
  }

  private issueItem(issue: Issue): Item {
    return { pk: `ISSUE#${issue.id}`, sk: 'ISSUE', gsi1pk: `PROJECT#${issue.projectId}#ISSUES`, gsi1sk: issue.lastSeen, ...issue };
  }

  async applyDelta(issueId: string, delta: IssueDelta, now: Date): Promise<IssueUpdateResult> {
    const names: Record<string, string> = { '#count': 'count', '#status': 'status', '#level': 'level', '#pk': 'pk' };
    const values: Record<string, unknown> = {
      ':n': delta.count,
      ':u': delta.newUsers,
      ':lastSeen': delta.lastSeen,
      ':level': delta.level,
      ':title': delta.title,
      ':culprit': delta.culprit,
      ':metadata': delta.metadata,
      ':resolved': 'resolved',
    };
    const sets = ['lastSeen = :lastSeen', 'gsi1sk = :lastSeen', '#level = :level', 'title = :title', 'culprit = :culprit', 'metadata = :metadata'];
    if (delta.release !== undefined) {
      values[':release'] = delta.release;
      sets.push('lastRelease = :release', 'firstRelease = if_not_exists(firstRelease, :release)');
    }
    const base = { TableName: this.table, Key: { pk: `ISSUE#${issueId}`, sk: 'ISSUE' }, ExpressionAttributeNames: names };

    // Three exclusive cases, each guarded by its own condition so concurrent writers cannot both regress an issue.
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const out = await this.doc.send(
          new UpdateCommand({
            ...base,
            UpdateExpression: `SET ${sets.join(', ')} ADD #count :n, userCount :u`,
            ConditionExpression: 'attribute_exists(#pk) AND #status <> :resolved',
            ExpressionAttributeValues: values,
            ReturnValues: 'ALL_NEW',
          }),
        );
        const issue = strip<Issue>(out.Attributes)!;
        await this.addHours(issueId, delta.hours);
        const reappeared = issue.status === 'ignored' && (await this.maybeEndIgnore(issue, now));
        return { issue: reappeared ? { ...issue, status: 'unresolved', substatus: 'ongoing' } : issue, previousStatus: issue.status, regressed: false, reappeared };
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
        const current = await this.get(`ISSUE#${issueId}`, 'ISSUE');
        if (!current) throw new NotFoundError(`issue ${issueId} does not exist`);
        if (current['status'] !== 'resolved') continue;
        const sameRelease = current['resolvedInRelease'] !== undefined && current['resolvedInRelease'] === delta.release;
        try {
          const out = await this.doc.send(
            new UpdateCommand({
              ...base,
              UpdateExpression: sameRelease
                ? `SET ${sets.join(', ')} ADD #count :n, userCount :u`
                : `SET ${sets.join(', ')}, #status = :unresolved, substatus = :regressed REMOVE resolvedInRelease ADD #count :n, userCount :u`,
              ConditionExpression: sameRelease ? '#status = :resolved AND resolvedInRelease = :rr' : '#status = :resolved',
              ExpressionAttributeValues: sameRelease ? { ...values, ':rr': current['resolvedInRelease'] } : { ...values, ':unresolved': 'unresolved', ':regressed': 'regressed' },
              ReturnValues: 'ALL_NEW',
            }),
          );
          await this.addHours(issueId, delta.hours);
          return { issue: strip<Issue>(out.Attributes)!, previousStatus: 'resolved', regressed: !sameRelease, reappeared: false };
        } catch (e2) {
          if (!isConditionFailure(e2)) throw e2;
        }
      }
    }
    throw new Error(`issue ${issueId} kept changing under concurrent updates`);
  }

  /** Ends an ignore whose condition is met; true when this writer ended it. */
  private async maybeEndIgnore(issue: Issue, now: Date): Promise<boolean> {
    const extra = issue as unknown as Item;
    const until = extra['ignoreUntil'] as string | undefined;
    const count = extra['ignoreCount'] as number | undefined;
    const users = extra['ignoreUserCount'] as number | undefined;
    const met =
      (until !== undefined && until <= now.toISOString()) ||
      (count !== undefined && issue.count >= count) ||
      (users !== undefined && issue.userCount >= users);
    if (!met) return false;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `ISSUE#${issue.id}`, sk: 'ISSUE' },
          UpdateExpression: 'SET #status = :unresolved, substatus = :ongoing REMOVE ignoreUntil, ignoreCount, ignoreUserCount',
          ConditionExpression: '#status = :ignored',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':unresolved': 'unresolved', ':ongoing': 'ongoing', ':ignored': 'ignored' },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  private async addHours(issueId: string, hours: Record<string, number>): Promise<void> {
    await Promise.all(
      Object.entries(hours).map(([hour, n]) =>
        this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: `ISSUE#${issueId}`, sk: `HOUR#${hour}` },
            UpdateExpression: 'ADD #c :n SET expiresAt = :exp',
            ExpressionAttributeNames: { '#c': 'count' },
            ExpressionAttributeValues: { ':n': n, ':exp': Math.floor(Date.parse(`${hour}:00:00Z`) / 1000) + HOUR_COUNT_TTL_S },
          }),
        ),
      ),
    );
  }

  async getIssue(id: string): Promise<Issue | undefined> {
    return strip<Issue>(await this.get(`ISSUE#${id}`, 'ISSUE'));
  }

  async listIssues(projectId: string, query: IssueQuery): Promise<{ issues: Issue[]; nextCursor?: string }> {
    // Issues come from the last-seen index; filters and the other sort orders are applied in memory over
    // the most recent issues (bounded), which keeps the index count at one.
    const names: Record<string, string> = { '#count': 'count' };
    const values: Record<string, unknown> = { ':p': `PROJECT#${projectId}#ISSUES`, ':zero': 0 };
    const filters = ['#count > :zero'];
    if (query.status) {
      names['#status'] = 'status';
      values[':status'] = query.status;
      filters.push('#status = :status');
    }
    if (query.level) {
      names['#level'] = 'level';
      values[':level'] = query.level;
      filters.push('#level = :level');
    }
    if (query.release) {
      values[':release'] = query.release;
      filters.push('(lastRelease = :release OR firstRelease = :release)');
    }
    const items = await this.queryAll(
      {
        IndexName: 'gsi1',
        KeyConditionExpression: 'gsi1pk = :p',
        FilterExpression: filters.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ScanIndexForward: false,
      },
      5000,
    );
    let issues = items.map((i) => strip<Issue>(i)!);
    if (query.text) {
      const needle = query.text.toLowerCase();
      issues = issues.filter((i) => `${i.title} ${i.culprit} ${i.shortId} ${Object.values(i.metadata ?? {}).join(' ')}`.toLowerCase().includes(needle));
    }
    const sorters: Record<IssueQuery['sort'], (a: Issue, b: Issue) => number> = {
      date: (a, b) => b.lastSeen.localeCompare(a.lastSeen),
      new: (a, b) => b.firstSeen.localeCompare(a.firstSeen),
      freq: (a, b) => b.count - a.count,
      user: (a, b) => b.userCount - a.userCount,
    };
    issues.sort(sorters[query.sort]);
    const offset = query.cursor ? Number.parseInt(query.cursor, 10) || 0 : 0;
    const page = issues.slice(offset, offset + query.limit);
    const result: { issues: Issue[]; nextCursor?: string } = { issues: page };
    if (offset + query.limit < issues.length) result.nextCursor = String(offset + query.limit);
    return result;
  }

  async setStatus(
    id: string,
    status: IssueStatus,
    details: { substatus?: IssueSubstatus; resolvedInRelease?: string; ignoreUntil?: string; ignoreCount?: number; ignoreUserCount?: number } = {},
  ): Promise<Issue> {
    const names: Record<string, string> = { '#status': 'status', '#pk': 'pk' };
    const values: Record<string, unknown> = { ':status': status };
    const sets = ['#status = :status'];
    const removes = ['ignoreUntil', 'ignoreCount', 'ignoreUserCount', 'resolvedInRelease'];
    const substatus = details.substatus ?? (status === 'unresolved' ? 'ongoing' : status === 'ignored' ? (details.ignoreUntil || details.ignoreCount || details.ignoreUserCount ? 'archived_until_condition_met' : 'archived_forever') : undefined);
    if (substatus) {
      sets.push('substatus = :substatus');
      values[':substatus'] = substatus;
    } else removes.push('substatus');
    for (const k of ['resolvedInRelease', 'ignoreUntil', 'ignoreCount', 'ignoreUserCount'] as const) {
      const v = details[k];
      if (v === undefined) continue;
      sets.push(`${k} = :${k}`);
      values[`:${k}`] = v;
      removes.splice(removes.indexOf(k), 1);
    }
    try {
      const out = await this.doc.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `ISSUE#${id}`, sk: 'ISSUE' },
          UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
          ConditionExpression: 'attribute_exists(#pk)',
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValues: 'ALL_NEW',
        }),
      );
      return strip<Issue>(out.Attributes)!;
    } catch (e) {
      if (isConditionFailure(e)) throw new NotFoundError(`issue ${id} does not exist`);
      throw e;
    }
  }

  async deleteIssue(id: string): Promise<void> {
    const issue = await this.getIssue(id);
    if (!issue) throw new NotFoundError(`issue ${id} does not exist`);
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: `ISSUE#${id}`, sk: 'ISSUE' } }));
    await Promise.all(issue.hashes.map((h) => this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: `PROJECT#${issue.projectId}`, sk: `HASH#${h}` } }))));
  }

  async hourlyCounts(issueId: string, hours: number, now: Date): Promise<Array<[number, number]>> {
    const end = Math.floor(now.getTime() / 3_600_000) * 3_600_000;
    const start = end - (hours - 1) * 3_600_000;
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b',
      ExpressionAttributeValues: { ':p': `ISSUE#${issueId}`, ':a': `HOUR#${new Date(start).toISOString().slice(0, 13)}`, ':b': `HOUR#${new Date(end).toISOString().slice(0, 13)}` },
    });
    const counts = new Map(items.map((i) => [String(i['sk']).slice(5), Number(i['count'])]));
    const out: Array<[number, number]> = [];
    for (let t = start; t <= end; t += 3_600_000) out.push([t / 1000, counts.get(new Date(t).toISOString().slice(0, 13)) ?? 0]);
    return out;
  }

  async markUserSeen(issueId: string, userKey: string): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: `ISSUE#${issueId}`, sk: `USER#${userKey.slice(0, 200)}` },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  // ---- events ----

  async putEventOnce(stored: StoredEvent, expiresAt: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            pk: `EVENT#${stored.projectId}#${stored.eventId}`,
            sk: 'EVENT',
            gsi2pk: `ISSUE#${stored.issueId}#EVENTS`,
            gsi2sk: `${stored.dateCreated}#${stored.eventId}`,
            expiresAt,
            eventId: stored.eventId,
            projectId: stored.projectId,
            issueId: stored.issueId,
            dateCreated: stored.dateCreated,
            dateReceived: stored.dateReceived,
            body: gzipSync(JSON.stringify(stored.event)),
          },
          // An expired copy (TTL deletion is lazy) does not count as a duplicate.
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': Math.floor(Date.now() / 1000) },
        }),
      );
      return true;
    } catch (e) {
      if (isConditionFailure(e)) return false;
      throw e;
    }
  }

  private decodeEvent(item: Item | undefined): StoredEvent | undefined {
    if (!item || (typeof item['expiresAt'] === 'number' && item['expiresAt'] < Date.now() / 1000)) return undefined;
    const body = item['body'] as Uint8Array;
    return {
      eventId: item['eventId'] as string,
      projectId: item['projectId'] as string,
      issueId: item['issueId'] as string,
      dateCreated: item['dateCreated'] as string,
      dateReceived: item['dateReceived'] as string,
      event: JSON.parse(gunzipSync(body).toString('utf8')),
    };
  }

  async getEvent(projectId: string, eventId: string): Promise<StoredEvent | undefined> {
    return this.decodeEvent(await this.get(`EVENT#${projectId}#${eventId}`, 'EVENT'));
  }

  async listEvents(issueId: string, opts: { limit: number; oldestFirst?: boolean; cursor?: string }): Promise<{ events: StoredEvent[]; nextCursor?: string }> {
    const input: QueryCommandInput = {
      TableName: this.table,
      IndexName: 'gsi2',
      KeyConditionExpression: 'gsi2pk = :p',
      ExpressionAttributeValues: { ':p': `ISSUE#${issueId}#EVENTS` },
      ScanIndexForward: opts.oldestFirst === true,
      Limit: opts.limit,
    };
    if (opts.cursor) input.ExclusiveStartKey = JSON.parse(Buffer.from(opts.cursor, 'base64url').toString('utf8'));
    const out = await this.doc.send(new QueryCommand(input));
    const keys = (out.Items ?? []).map((i) => ({ pk: i['pk'], sk: i['sk'] }));
    const events: StoredEvent[] = [];
    if (keys.length > 0) {
      const got = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys } } }));
      const byPk = new Map((got.Responses?.[this.table] ?? []).map((i) => [i['pk'], i]));
      for (const k of keys) {
        const e = this.decodeEvent(byPk.get(k.pk));
        if (e) events.push(e);
      }
    }
    const result: { events: StoredEvent[]; nextCursor?: string } = { events };
    if (out.LastEvaluatedKey) result.nextCursor = Buffer.from(JSON.stringify(out.LastEvaluatedKey)).toString('base64url');
    return result;
  }

  // ---- alerts ----

  async listRules(projectId: string): Promise<AlertRule[]> {
    const items = await this.queryAll({ KeyConditionExpression: 'pk = :p AND begins_with(sk, :r)', ExpressionAttributeValues: { ':p': `PROJECT#${projectId}`, ':r': 'RULE#' } });
    return items.map((i) => strip<AlertRule>(i)!);
  }

  async putRule(rule: AlertRule): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: `PROJECT#${rule.projectId}`, sk: `RULE#${rule.id}`, ...rule } }));
  }

  async deleteRule(projectId: string, ruleId: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: `PROJECT#${projectId}`, sk: `RULE#${ruleId}` } }));
  }

  async claimAlert(ruleId: string, issueId: string, expiresAt: number, nowSeconds: number, events: number): Promise<{ claimed: boolean; merged: number }> {
    const Key = { pk: `ALERT#${ruleId}#${issueId}`, sk: 'ALERT' };
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const out = await this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            UpdateExpression: 'SET expiresAt = :exp, merged = :zero, claimedAt = :now',
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
            ExpressionAttributeValues: { ':exp': expiresAt, ':zero': 0, ':now': nowSeconds },
            ReturnValues: 'ALL_OLD',
          }),
        );
        return { claimed: true, merged: Number(out.Attributes?.['merged'] ?? 0) };
      } catch (e) {
        if (!isConditionFailure(e)) throw e;
      }
      try {
        // Inside a live window: count the events this alert merges.
        await this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            UpdateExpression: 'ADD merged :n',
            ConditionExpression: 'attribute_exists(pk) AND expiresAt >= :now',
            ExpressionAttributeValues: { ':n': events, ':now': nowSeconds },
          }),
        );
        return { claimed: false, merged: 0 };
      } catch (e) {
        // The window ended between the two writes: try to claim again.
        if (!isConditionFailure(e)) throw e;
      }
    }
    return { claimed: false, merged: 0 };
  }

  async releaseAlert(ruleId: string, issueId: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `ALERT#${ruleId}#${issueId}`, sk: 'ALERT' },
        UpdateExpression: 'SET expiresAt = :zero',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  }

  async addMinuteCounts(issueId: string, minute: number, events: number): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `ISSUE#${issueId}`, sk: `MIN#${String(minute).padStart(10, '0')}` },
        UpdateExpression: 'ADD #c :n SET expiresAt = :exp',
        ExpressionAttributeNames: { '#c': 'count' },
        ExpressionAttributeValues: { ':n': events, ':exp': minute * 60 + MINUTE_COUNT_TTL_S },
      }),
    );
  }

  async sumMinuteCounts(issueId: string, fromMinute: number, toMinute: number): Promise<number> {
    const items = await this.queryAll({
      KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b',
      ExpressionAttributeValues: { ':p': `ISSUE#${issueId}`, ':a': `MIN#${String(fromMinute).padStart(10, '0')}`, ':b': `MIN#${String(toMinute).padStart(10, '0')}` },
    });
    return items.reduce((sum, i) => sum + Number(i['count'] ?? 0), 0);
  }

  // ---- tokens ----

  async getToken(hash: string) {
    const item = await this.get(`TOKEN#${hash}`, 'TOKEN');
    if (!item) return undefined;
    return { hash, userId: item['userId'] as string, scopes: item['scopes'] as string[], orgSlug: item['orgSlug'] as string };
  }

  async putToken(token: { hash: string; userId: string; scopes: string[]; orgSlug: string; label: string }): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: `TOKEN#${token.hash}`, sk: 'TOKEN', ...token } }));
  }
}
