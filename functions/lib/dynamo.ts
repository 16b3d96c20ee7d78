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
 *   ISSUE#{id} / ISSUE                     issue (gsi2: PROJECT#{id}#ISSUES#{status} / lastSeen#id,
 *                                          gsi3: the same partition / firstSeen#id, gsi4 / gsi5: the same
 *                                          partition / count bucket#id, user count bucket#id; see "issue lists"), with the
 *                                          ledger: `applied` {token: {kind, count}}, `fence` (ms),
 *                                          `hours` {hour: n} for open hours, `mergedInto`, `mergedIds`; tag
 *                                          counters `tc`, `te`, `tcFrom`, `tcv` (dynamo-tag-counts.ts)
 *   ISSUE#{id} / HOUR#{yyyy-mm-ddThh}      hourly event count of a closed hour (TTL)
 *   ISSUE#{id} / MIN#{epochMinute}         minute count for frequency alerts (TTL)
 *   ISSUE#{id} / USER#{user}               user claim on the issue (token)
 *   ISSUE#{id} / COUNTED#{token}           the counted-only events a first delivery counts with the token:
 *                                          `ids`, 8 bytes (16 hex digits) of each event id, packed; TTL =
 *                                          the queue's retention (dynamo-counted.ts, shared/pipeline/ledger.ts)
 *   EVENT#{projectId}#{eventId} / EVENT    event claim (token, issueId; TTL); sampled events also
 *                                          carry the JSON body, zlib with a preset dictionary (event-codec.ts),
 *                                          or `bodyRef`, the payload bucket key of a body too large for an item
 *                                          (`eventBodyKey`) (gsi2: ISSUE#{id}#EVENTS / date#id)
 *   APPLY#{token} / APPLY                  a batch token whose issue write and follow-ups are done (TTL)
 *   ALERT#{channel}#{issueId} / ALERT      alert suppression key per rule channel (`shared/alerts/channels.ts`:
 *                                          the rule id for its email, `{ruleId}~webhook~{hash}` per webhook;
 *                                          TTL = end of the window; token, sendingAt (ms), sent)
 *   TOKEN#{sha256} / TOKEN                 API token, stored hashed (gsi1: ORG#{slug}#MEMBER#{id}#TOKENS / id
 *                                          for a member's tokens)
 *   ORG#{slug} / MEMBER#{id}               organization member (gsi1: USER#{userId} / ORG#{slug} once bound
 *                                          to a sign-in, EMAIL#{email} / ORG#{slug} while invited)
 *   ORG#{slug} / MEMBER_EMAIL#{email}      email claim: one membership per email and organization
 *   ORG#{slug} / TEAM#{slug}               team
 * Members, teams and member tokens are read and written by `dynamo-members.ts`.
 * Written by `dynamo-intake.ts` (quotas, outcomes, attachments, feedback, release health):
 *   PROJECT#{id} / USAGE#MIN#{epochMinute} accepted events in a minute, for rateLimitPerMinute (TTL)
 *   PROJECT#{id} / USAGE#MONTH#{yyyy-mm}   accepted events in a month, for monthlyQuota (TTL)
 *   PROJECT#{id} / OUTCOME#{yyyy-mm-dd}    outcome counters, one attribute `o:{outcome}:{category}:{reason}` each (TTL)
 *   PROJECT#{id} / FEEDBACK#{id}           user feedback (gsi2: PROJECT#{id}#FEEDBACK / date#id;
 *                                          gsi1: ISSUE#{issueId}#FEEDBACK / date#id when its event is known; TTL)
 *   PROJECT#{id} / RELEASE#{release}#ENV#{env}  session counts: started, errored, crashed, abnormal
 *   EVENT#{projectId}#{eventId} / ATTACH#{id}   attachment record; the bytes are in the payload bucket
 *                                          (gsi1: ISSUE#{issueId}#ATTACH / date#id when its event is grouped; TTL)
 *   SESSION#{projectId}#{sid} / SESSION    states a session with errors reached, so each counts once (TTL)
 *   KEY#{publicKey} / USAGE#{window}#{slot}  accepted events of a key in one window of its rate limit (TTL)
 */
import { createHash } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DeleteCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { alertChannelKeys } from '#shared/alerts/channels.ts';
import type { AlertRule } from '#shared/alerts/rules.ts';
import { ConfigError, ConflictError, NotFoundError, ValidationError } from '#shared/errors.ts';
import { eventBodyKey } from '#shared/infra.ts';
import type { Issue, IssueStatus, IssueSubstatus, Organization, Project, ProjectKey, StoredEvent } from '#shared/model.ts';
import { decodeEventBody, encodeEventBody } from './event-codec.ts';
import { IssueMergedError, TokenFencedError } from '#shared/pipeline/errors.ts';
import { hourKey, tokenTime } from '#shared/pipeline/token.ts';
import { issueTagValue } from '#shared/event/issue-tags.ts';
import { hasCountedValue } from '#shared/event/tag-counts.ts';
import { mergeTagCountParts, readTagCounts, tagCountParts } from './dynamo-tag-counts.ts';
import { countKeyUpdate, countPage, countSortKey, type CountIndexEntry } from '#shared/api/count-order.ts';
import type {
  AlertStore,
  AppliedEntry,
  AppliedKind,
  BlobStore,
  ClaimResult,
  CountedRecord,
  EventStore,
  IssueDelta,
  IssueQuery,
  IssueStore,
  IssueUpdateResult,
  ProjectStore,
  TokenFate,
  TokenStore,
} from '#shared/ports.ts';
import { DynamoProjectReader } from './dynamo-projects.ts';
import { countedItem, countedRange, readCounted } from './dynamo-counted.ts';
import { onConditionFailure, setAndRemove, strip, type Item } from './dynamo-table.ts';

/** Ledger attributes of the issue item, not part of the domain object. */
const ISSUE_LEDGER_ATTRS = ['applied', 'fence', 'hours', 'mergedInto', 'mergedIds', 'tagValues', 'tc', 'te', 'tcFrom', 'tcv'];
function stripIssue(item: Item): Issue {
  const issue = strip<Item>(item)!;
  for (const k of ISSUE_LEDGER_ATTRS) delete issue[k];
  const tagCounts = readTagCounts(item);
  if (tagCounts) issue['tagCounts'] = tagCounts;
  return issue as unknown as Issue;
}

const minIso = (a: unknown, b: string) => (typeof a === 'string' && a < b ? a : b);
const maxIso = (a: unknown, b: string) => (typeof a === 'string' && a > b ? a : b);

// ---- issue lists ----
//
// Issues are listed from two KEYS_ONLY indexes partitioned by project and status: gsi2 sorted by
// last seen, gsi3 by first seen (gsi3 shares gsi2's partition attribute; event items have no gsi3sk,
// so they stay out of it). KEYS_ONLY because an index write costs a write unit per KB of what it
// projects: with the whole item projected (gsi1, where issues used to be), every counting write
// was written twice. Now only a change of a key (last seen, a status change, rarely first seen)
// writes a small index entry. An issue enters the lists with its first counted event and leaves
// them when merged. freq and user orders come from gsi4 and gsi5 (same partitions), keyed by a bucket
// of the count that changes O(log count) times per issue; a page reads its boundary bucket whole and
// sorts it by the real counts (shared/api/count-order.ts). Issues written before those indexes get
// their keys with their next counting write (or status change); until then they are missing from
// the freq and user orders only.

export const ISSUE_STATUSES: readonly IssueStatus[] = ['unresolved', 'resolved', 'ignored'];
/** The list partition of a project's issues in one status. */
export const issueListPk = (projectId: string, status: IssueStatus) => `PROJECT#${projectId}#ISSUES#${status}`;
const seenKey = (iso: string, id: string) => `${iso}#${id}`;
/** The count-order keys of an issue item (or issue) with these counts. */
const countKeys = (issue: { id?: unknown; pk?: unknown; count?: unknown; userCount?: unknown }) => {
  const id = issue.id !== undefined ? String(issue.id) : String(issue.pk).slice('ISSUE#'.length);
  return { gsi4sk: countSortKey(Number(issue.count ?? 0), id), gsi5sk: countSortKey(Number(issue.userCount ?? 0), id) };
};
/** freq and user orders: a range bucket is read whole (to sort it by the real counts) up to this many entries. */
export const MAX_COUNT_BUCKET_READ = 1000;
/**
 * Index entries examined per list request at most (a short page then carries a cursor): more
 * when a filter the index cannot answer (text, level, release) may leave most issues out.
 */
const MAX_EXAMINED_PER_LIST = 2000;
const MAX_EXAMINED_PER_FILTERED_LIST = 10_000;
/** Index entries per round of a filtered list (fetched by parallel BatchGets). */
const FILTERED_ROUND = 500;
const BATCH_GET_MAX_KEYS = 100;

function encodeCursor(sortKey: string): string {
  return Buffer.from(sortKey, 'utf8').toString('base64url');
}
function decodeCursor(cursor: string | undefined): string | undefined {
  if (!cursor) return undefined;
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  // Sort keys are an ISO date, '#', an id: anything else (an offset cursor of an older version) starts over.
  return /^\d{4}-\d\d-\d\dT[^#]*#\S+$/.test(text) ? text : undefined;
}

const USER_COPY_CONCURRENCY = 16;
async function mapInChunks<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn));
}

/** The project attributes the settings API writes (`PUT /projects/{org}/{project}/`). */
const PROJECT_SETTINGS = ['name', 'slug', 'platform', 'retentionDays', 'rateLimitPerMinute', 'monthlyQuota', 'storeIp', 'sensitiveFields', 'safeFields'] as const satisfies ReadonlyArray<keyof Project>;

/** Issues whose hourly counts one project's 24 h series reads at a time. */
const PROJECT_STATS_CONCURRENCY = 8;
/** Minute counters live a day; hourly counts a little over the 30-day chart. */
const MINUTE_COUNT_TTL_S = 24 * 3600;
const HOUR_COUNT_TTL_S = 32 * 24 * 3600;
/** Hours stay on the issue item this long after they close, then move to HOUR# items (clock skew margin). */
const HOUR_ROLLUP_AFTER_HOURS = 2;
/** Optimistic rounds of the counting write against concurrent writers of one issue. */
const APPLY_ATTEMPTS = 8;
/** Finished tokens of other containers tolerated on an issue item before a counting write looks them up. */
const MAX_LINGERING_TOKENS = 2;
const MAX_TOKENS_REMOVED_PER_WRITE = 50;
const MAX_TOKENS_REMEMBERED_PER_ISSUE = 50;
const MAX_ISSUES_REMEMBERED = 10_000;
/** Merge chains longer than this are not followed (a merged survivor merged again). */
const MAX_MERGE_HOPS = 5;
/** Users are keyed by id, e-mail, username or IP; Relay caps those at 128–200 characters. */
const MAX_USER_KEY_CHARS = 200;

export class DynamoStore extends DynamoProjectReader implements ProjectStore, IssueStore, EventStore, AlertStore, TokenStore {
  /** `blobs` holds the bodies of events too large for an item: the grouping step writes them, the API reads them. */
  constructor(
    table: string,
    client?: DynamoDBClient,
    private readonly blobs?: BlobStore,
  ) {
    super(table, client);
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
    await this.claimProjectSlug(project);
    await this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `PROJECT#${project.id}`, sk: 'PROJECT', gsi1pk: `ORG#${project.orgSlug}#PROJECTS`, gsi1sk: project.slug, ...project },
      }),
    );
  }

  private async claimProjectSlug(project: Project): Promise<void> {
    await this.putUnique({ pk: `ORG#${project.orgSlug}`, sk: `SLUG#${project.slug}`, projectId: project.id }, `a project with the slug ${project.slug} already exists`);
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

  async updateKey(key: ProjectKey): Promise<void> {
    const values: Record<string, unknown> = { ':label': key.label, ':active': key.isActive };
    const sets = ['label = :label', 'isActive = :active'];
    const removes: string[] = [];
    if (key.rateLimit) {
      values[':rl'] = key.rateLimit;
      sets.push('rateLimit = :rl');
    } else removes.push('rateLimit');
    // Cleared when the limit changed; otherwise the grouping step's value is left alone.
    if (key.limitedUntil === undefined) removes.push('limitedUntil');
    await this.updateExisting(
      {
        Key: { pk: `KEY#${key.publicKey}`, sk: 'KEY' },
        UpdateExpression: setAndRemove(sets, removes),
        // A key revoked in between stays revoked.
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeValues: values,
      },
      `key ${key.publicKey} not found`,
    );
  }

  async deleteKey(publicKey: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: `KEY#${publicKey}`, sk: 'KEY' } }));
  }

  async updateProject(project: Project, previousSlug: string): Promise<void> {
    const renamed = project.slug !== previousSlug;
    if (renamed) await this.claimProjectSlug(project);
    // Only the settings are written: other writers set other attributes of the same item
    // (grouping's limitedUntil, the teams owning the project), and a whole-item put would undo them.
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':gsi1sk': project.slug };
    const sets = ['gsi1sk = :gsi1sk'];
    const removes: string[] = [];
    for (const field of PROJECT_SETTINGS) {
      names[`#${field}`] = field;
      const v = project[field];
      if (v === undefined) removes.push(`#${field}`);
      else {
        values[`:${field}`] = v;
        sets.push(`#${field} = :${field}`);
      }
    }
    // A settings change that lifts a limit clears limitedUntil (applyProjectUpdate drops it); otherwise
    // the grouping step's value is left alone.
    if (project.limitedUntil === undefined) removes.push('limitedUntil');
    await this.updateExisting(
      {
        Key: { pk: `PROJECT#${project.id}`, sk: 'PROJECT' },
        UpdateExpression: setAndRemove(sets, removes),
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
      `project ${project.id} not found`,
    );
    if (renamed) await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: `ORG#${project.orgSlug}`, sk: `SLUG#${previousSlug}` } }));
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
  //
  // Exactly-once counting without transactions (the protocol is in shared/pipeline/ledger.ts):
  // the counting write records its batch token in the issue's `applied` map, so a retry can tell
  // whether it happened; `fence` (a token mint time) voids every token at or before it, so a
  // recovering writer can take over the claims of a batch that never applied. Both stay on the
  // small, hot issue item; a finished token moves to its own APPLY# item and leaves the map.

  async findIssueByHash(projectId: string, hash: string): Promise<string | undefined> {
    const item = await this.get(`PROJECT#${projectId}`, `HASH#${hash}`);
    return item?.['issueId'] as string | undefined;
  }

  async createIssue(issue: Issue): Promise<{ id: string; created: boolean }> {
    // The issue item is written first so the hash never points at nothing; a
    // writer that loses the hash race removes its unused issue item.
    await this.doc.send(new PutCommand({ TableName: this.table, Item: this.issueItem(issue) }));
    const hash = issue.hashes[0]!;
    const won = this.doc.send(
      new PutCommand({
        TableName: this.table,
        Item: { pk: `PROJECT#${issue.projectId}`, sk: `HASH#${hash}`, issueId: issue.id },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
    return onConditionFailure(
      won.then(() => ({ id: issue.id, created: true })),
      async (e) => {
        await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: `ISSUE#${issue.id}`, sk: 'ISSUE' } }));
        const winner = await this.findIssueByHash(issue.projectId, hash);
        if (!winner) throw new Error(`fingerprint ${hash} claimed but unreadable`, { cause: e });
        return { id: winner, created: false };
      },
    );
  }

  private issueItem(issue: Issue): Item {
    // Listed from its first counted event on: the grouping step creates issues empty and counts in
    // applyDelta, which sets the list keys; an issue written with its counts is listed at once.
    const item: Item = { pk: `ISSUE#${issue.id}`, sk: 'ISSUE', ...issue, applied: {}, hours: {} };
    if (issue.count > 0) Object.assign(item, { gsi2pk: issueListPk(issue.projectId, issue.status), gsi2sk: seenKey(issue.lastSeen, issue.id), gsi3sk: seenKey(issue.firstSeen, issue.id), ...countKeys(issue) });
    return item;
  }

  async applyDelta(issueId: string, delta: IssueDelta, token: string, now: Date): Promise<IssueUpdateResult> {
    const mint = tokenTime(token);
    const Key = { pk: `ISSUE#${issueId}`, sk: 'ISSUE' };
    for (let attempt = 0; attempt < APPLY_ATTEMPTS; attempt++) {
      const item = await this.getConsistent(Key.pk, Key.sk);
      if (!item) throw new NotFoundError(`issue ${issueId} does not exist`);
      if (typeof item['mergedInto'] === 'string') throw new IssueMergedError(issueId, item['mergedInto']);
      const applied = item['applied'] as Record<string, AppliedEntry> | undefined;
      const status = (item['status'] as IssueStatus | undefined) ?? 'unresolved';
      const mine = applied?.[token];
      // Our own earlier write (its response was lost): report it, never apply twice.
      if (mine) return { issue: stripIssue(item), previousStatus: status, kind: mine.kind, regressed: mine.kind === 'regression', reappeared: mine.kind === 'reappeared' };
      if (typeof item['fence'] === 'number' && item['fence'] >= mint) throw new TokenFencedError(token);
      if (!applied || !item['hours']) {
        await this.doc.send(
          new UpdateCommand({ TableName: this.table, Key, UpdateExpression: 'SET applied = if_not_exists(applied, :m), hours = if_not_exists(hours, :m)', ExpressionAttributeValues: { ':m': {} } }),
        );
        continue;
      }

      const names: Record<string, string> = { '#count': 'count', '#status': 'status', '#level': 'level', '#pk': 'pk', '#tok': token };
      const values: Record<string, unknown> = {
        ':n': delta.count,
        ':u': delta.newUsers,
        ':level': delta.level,
        ':title': delta.title,
        ':culprit': delta.culprit,
        ':metadata': delta.metadata,
        ':mint': mint,
        ':zero': 0,
      };
      const sets = ['#level = :level', 'title = :title', 'culprit = :culprit', 'metadata = :metadata', 'applied.#tok = :entry'];
      const removes: string[] = [];
      const conditions = [
        'attribute_exists(#pk)',
        'attribute_not_exists(mergedInto)',
        'attribute_not_exists(applied.#tok)',
        '(attribute_not_exists(fence) OR fence < :mint)',
      ];
      // Last and first seen only ever move outwards, guarded so that a concurrent writer with an
      // older time cannot move them back; their list keys move with them, and only then.
      const lastSeen = maxIso(item['lastSeen'], delta.lastSeen);
      const firstSeen = minIso(item['firstSeen'], delta.firstSeen);
      if (lastSeen !== item['lastSeen']) {
        values[':lastSeen'] = lastSeen;
        values[':lastKey'] = seenKey(lastSeen, issueId);
        sets.push('lastSeen = :lastSeen', 'gsi2sk = :lastKey');
        conditions.push('(attribute_not_exists(lastSeen) OR lastSeen < :lastSeen)');
      } else if (item['gsi2sk'] === undefined) {
        values[':lastKey'] = seenKey(lastSeen, issueId);
        sets.push('gsi2sk = :lastKey');
      }
      if (firstSeen !== item['firstSeen']) {
        values[':firstSeen'] = firstSeen;
        values[':firstKey'] = seenKey(firstSeen, issueId);
        sets.push('firstSeen = :firstSeen', 'gsi3sk = :firstKey');
        conditions.push('(attribute_not_exists(firstSeen) OR firstSeen > :firstSeen)');
      } else if (item['gsi3sk'] === undefined) {
        values[':firstKey'] = seenKey(firstSeen, issueId);
        sets.push('gsi3sk = :firstKey');
      }
      // Issues written before the list indexes sat in gsi1, which projects whole items: they leave it.
      if (item['gsi1pk'] !== undefined) removes.push('gsi1pk', 'gsi1sk');
      // Finished tokens leave the item with this write (finishToken leaves them, to save a write).
      const finished = await this.finishedTokens(issueId, applied, token);
      finished.forEach((t, i) => {
        names[`#done${i}`] = t;
        removes.push(`applied.#done${i}`);
      });
      Object.entries(delta.hours).forEach(([hour, n], i) => {
        names[`#h${i}`] = hour;
        values[`:h${i}`] = n;
        sets.push(`hours.#h${i} = if_not_exists(hours.#h${i}, :zero) + :h${i}`);
      });
      if (delta.release !== undefined) {
        values[':release'] = delta.release;
        sets.push('lastRelease = :release', 'firstRelease = if_not_exists(firstRelease, :release)');
      }
      const adds = ['#count :n', 'userCount :u'];
      // Tag counters, in this same guarded write: exactly-once with the count (dynamo-tag-counts.ts).
      // They also answer issue search by tag; issues from before them keep their frozen `tagValues`.
      // A retry (the last round lost a race) only adds to full keys, so it cannot lose to the same race again.
      const tagParts = tagCountParts(item, delta.tagCounts, token, attempt > 0);
      if (tagParts) {
        sets.push(...tagParts.sets);
        removes.push(...tagParts.removes);
        adds.push(...tagParts.adds);
        conditions.push(...tagParts.conditions);
        Object.assign(names, tagParts.names);
        Object.assign(values, tagParts.values);
      }

      const count = Number(item['count'] ?? 0);
      const userCount = Number(item['userCount'] ?? 0);
      let kind: AppliedKind;
      if (status === 'resolved') {
        const rr = item['resolvedInRelease'] as string | undefined;
        const releases = delta.releases ?? (delta.release !== undefined ? [delta.release] : []);
        const sameRelease = rr !== undefined && releases.length > 0 && releases.every((r) => r === rr);
        values[':resolved'] = 'resolved';
        conditions.push('#status = :resolved');
        if (rr !== undefined) {
          values[':rr'] = rr;
          conditions.push('resolvedInRelease = :rr');
        } else conditions.push('attribute_not_exists(resolvedInRelease)');
        if (sameRelease) kind = 'seen';
        else {
          kind = 'regression';
          values[':unresolved'] = 'unresolved';
          values[':regressed'] = 'regressed';
          sets.push('#status = :unresolved', 'substatus = :regressed');
          removes.push('resolvedInRelease');
        }
      } else if (status === 'ignored') {
        // Ignore conditions depend on the exact totals, so this path is guarded by them.
        values[':ignored'] = 'ignored';
        values[':c0'] = count;
        values[':u0'] = userCount;
        conditions.push('#status = :ignored', '#count = :c0', 'userCount = :u0');
        const until = item['ignoreUntil'] as string | undefined;
        const ignoreCount = item['ignoreCount'] as number | undefined;
        const ignoreUsers = item['ignoreUserCount'] as number | undefined;
        const met =
          (until !== undefined && until <= now.toISOString()) ||
          (ignoreCount !== undefined && count + delta.count >= ignoreCount) ||
          (ignoreUsers !== undefined && userCount + delta.newUsers >= ignoreUsers);
        if (met) {
          kind = 'reappeared';
          values[':unresolved'] = 'unresolved';
          values[':ongoing'] = 'ongoing';
          sets.push('#status = :unresolved', 'substatus = :ongoing');
          removes.push('ignoreUntil', 'ignoreCount', 'ignoreUserCount');
        } else kind = 'seen';
      } else {
        values[':unresolved'] = 'unresolved';
        // Only the write that brings the first events is `new`: a concurrent writer falls to `seen`.
        if (count === 0) {
          kind = 'new';
          conditions.push('(attribute_not_exists(#status) OR #status = :unresolved)', '#count = :zero');
        } else {
          kind = 'seen';
          conditions.push('(attribute_not_exists(#status) OR #status = :unresolved)', '#count > :zero');
        }
      }
      values[':entry'] = { kind, count: delta.count } satisfies AppliedEntry;
      // The count-order keys (gsi4, gsi5) follow the counts this write leaves, guarded against concurrent writers.
      for (const part of [
        countKeyUpdate('#count', 'gsi4sk', count, delta.count, item['gsi4sk'], issueId, 'freq'),
        countKeyUpdate('userCount', 'gsi5sk', userCount, delta.newUsers, item['gsi5sk'], issueId, 'users'),
      ]) {
        Object.assign(values, part.values);
        conditions.push(part.condition);
        if (part.set) sets.push(part.set);
      }
      // The list partition follows the status this write leaves (a regression reopens the issue).
      const listPk = issueListPk(String(item['projectId']), kind === 'regression' || kind === 'reappeared' ? 'unresolved' : status);
      if (item['gsi2pk'] !== listPk) {
        values[':listPk'] = listPk;
        sets.push('gsi2pk = :listPk');
      }

      const out = await this.tryUpdate({
        Key,
        UpdateExpression: `${setAndRemove(sets, removes)} ADD ${adds.join(', ')}`,
        ConditionExpression: conditions.join(' AND '),
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      });
      if (out) {
        const after = out.Attributes!;
        this.hoursSeen.set(issueId, (after['hours'] as Record<string, number>) ?? {});
        for (const t of finished) this.finishedOn.get(issueId)?.delete(t);
        return { issue: stripIssue(after), previousStatus: status, kind, regressed: kind === 'regression', reappeared: kind === 'reappeared' };
      }
    }
    throw new Error(`issue ${issueId} kept changing under concurrent updates`);
  }

  /** Hour maps seen in this container's last write per issue: what `finishToken` rolls up. */
  private readonly hoursSeen = new Map<string, Record<string, number>>();

  async hourCount(issueId: string, hour: string): Promise<number> {
    const out = await this.doc.send(
      new GetCommand({ TableName: this.table, Key: { pk: `ISSUE#${issueId}`, sk: 'ISSUE' }, ProjectionExpression: 'hours.#h', ExpressionAttributeNames: { '#h': hour } }),
    );
    return Number((out.Item?.['hours'] as Record<string, number> | undefined)?.[hour] ?? 0);
  }

  async finishToken(issueId: string, token: string, expiresAt: number, now: Date): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: `APPLY#${token}`, sk: 'APPLY', issueId, expiresAt } }));
    // The token stays in the issue's `applied` map until the issue's next counting write removes it
    // (settleToken reads APPLY# first): one write of the issue item per batch instead of two.
    this.rememberFinished(issueId, token);
    const Key = { pk: `ISSUE#${issueId}`, sk: 'ISSUE' };
    // Closed hours move off the hot item into their own HOUR# items. Buckets are by processing
    // time, so an hour past the grace never changes again and the copy is a plain, repeatable SET.
    const cutoff = hourKey(now.getTime() - HOUR_ROLLUP_AFTER_HOURS * 3_600_000);
    const stale = Object.entries(this.hoursSeen.get(issueId) ?? {}).filter(([hour]) => hour < cutoff);
    this.hoursSeen.delete(issueId);
    if (stale.length === 0) return;
    await Promise.all(
      stale.map(([hour, n]) =>
        this.doc.send(
          new PutCommand({ TableName: this.table, Item: { pk: Key.pk, sk: `HOUR#${hour}`, count: n, expiresAt: Math.floor(Date.parse(`${hour}:00:00Z`) / 1000) + HOUR_COUNT_TTL_S } }),
        ),
      ),
    );
    const names: Record<string, string> = { '#pk': 'pk', '#tok': token };
    const values: Record<string, unknown> = {};
    // The item is written anyway: the token leaves it now.
    const removes = ['applied.#tok'];
    const guards = ['attribute_exists(#pk)'];
    stale.forEach(([hour, n], i) => {
      names[`#h${i}`] = hour;
      values[`:h${i}`] = n;
      removes.push(`hours.#h${i}`);
      guards.push(`hours.#h${i} = :h${i}`);
    });
    // Failed: deleted, or another writer rolled the hours up first; the next counting write removes the token.
    if (await this.tryUpdate({ Key, UpdateExpression: `REMOVE ${removes.join(', ')}`, ConditionExpression: guards.join(' AND '), ExpressionAttributeNames: names, ExpressionAttributeValues: values })) {
      this.finishedOn.get(issueId)?.delete(token);
    }
  }

  /** Tokens this container finished, per issue, not yet removed from the issue's `applied` map. */
  private readonly finishedOn = new Map<string, Set<string>>();

  private rememberFinished(issueId: string, token: string): void {
    if (this.finishedOn.size >= MAX_ISSUES_REMEMBERED) this.finishedOn.clear();
    let set = this.finishedOn.get(issueId);
    if (!set) this.finishedOn.set(issueId, (set = new Set()));
    if (set.size < MAX_TOKENS_REMEMBERED_PER_ISSUE) set.add(token);
  }

  /**
   * Tokens in an issue's `applied` map that are finished and may leave it: those this container
   * finished, and, once others' linger, those with an APPLY# record (a consistent BatchGet, cheap
   * next to the write units a bigger issue item costs on every counting write).
   */
  private async finishedTokens(issueId: string, applied: Record<string, AppliedEntry>, current: string): Promise<string[]> {
    const mine = this.finishedOn.get(issueId);
    const others = Object.keys(applied).filter((t) => t !== current);
    const done = others.filter((t) => mine?.has(t));
    const unknown = others.filter((t) => !mine?.has(t));
    if (unknown.length > MAX_LINGERING_TOKENS) {
      const keys = unknown.slice(0, BATCH_GET_MAX_KEYS).map((t) => ({ pk: `APPLY#${t}`, sk: 'APPLY' }));
      const got = await this.doc.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: keys, ConsistentRead: true } } }));
      for (const item of got.Responses?.[this.table] ?? []) done.push(String(item['pk']).slice('APPLY#'.length));
    }
    return done.slice(0, MAX_TOKENS_REMOVED_PER_WRITE);
  }

  async settleToken(issueId: string, token: string): Promise<TokenFate> {
    const mint = tokenTime(token);
    const finished = async () =>
      (await this.getConsistent(`APPLY#${token}`, 'APPLY')) !== undefined;
    for (let attempt = 0; attempt < APPLY_ATTEMPTS; attempt++) {
      // Follow merges: a token applied before a merge stays on the merged issue; only the survivor takes writes.
      let id = issueId;
      let item = await this.getConsistent(`ISSUE#${id}`, 'ISSUE');
      for (let hop = 0; item && hop < MAX_MERGE_HOPS; hop++) {
        const entry = (item['applied'] as Record<string, AppliedEntry> | undefined)?.[token];
        // A finished token stays on the issue until its next counting write: APPLY# decides.
        if (entry) return (await finished()) ? { fate: 'finished' } : { fate: 'pending', issueId: id, entry };
        if (typeof item['mergedInto'] !== 'string') break;
        id = item['mergedInto'];
        item = await this.getConsistent(`ISSUE#${id}`, 'ISSUE');
      }
      if (await finished()) return { fate: 'finished' };
      if (!item) return { fate: 'void' };
      if (typeof item['fence'] === 'number' && item['fence'] >= mint) return { fate: 'void' };
      const fenced = await this.tryUpdate({
        Key: { pk: `ISSUE#${id}`, sk: 'ISSUE' },
        UpdateExpression: 'SET fence = :mint',
        ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(mergedInto) AND attribute_not_exists(applied.#tok) AND (attribute_not_exists(fence) OR fence < :mint)',
        ExpressionAttributeNames: { '#pk': 'pk', '#tok': token },
        ExpressionAttributeValues: { ':mint': mint },
      });
      // Fenced: it can never apply now. It may have applied and finished just before the fence.
      if (fenced) return (await finished()) ? { fate: 'finished' } : { fate: 'void' };
    }
    throw new Error(`could not settle token ${token} on issue ${issueId}`);
  }

  async getIssue(id: string): Promise<Issue | undefined> {
    const item = await this.get(`ISSUE#${id}`, 'ISSUE');
    return item ? stripIssue(item) : undefined;
  }

  async listIssues(projectId: string, query: IssueQuery): Promise<{ issues: Issue[]; nextCursor?: string }> {
    const statuses = query.status ? [query.status] : ISSUE_STATUSES;
    const filtered = Boolean(query.text || query.level || query.release || query.tags?.length);
    const tags = (query.tags ?? []).map(([k, v]) => issueTagValue(k, v));
    const keep = (issue: Issue, item: Item) => {
      if (tags.length > 0) {
        if (!(query.tags ?? []).every(([k, v], i) => hasCountedValue(readTagCounts(item)?.counts, k, v) || (item['tagValues'] instanceof Set && item['tagValues'].has(tags[i]!)))) return false;
      }
      if (query.level && issue.level !== query.level) return false;
      if (query.release && issue.lastRelease !== query.release && issue.firstRelease !== query.release) return false;
      if (query.text) {
        const text = `${issue.title} ${issue.culprit} ${issue.shortId} ${Object.values(issue.metadata ?? {}).join(' ')}`.toLowerCase();
        if (!text.includes(query.text.toLowerCase())) return false;
      }
      return true;
    };
    if (query.sort === 'freq' || query.sort === 'user') return this.listIssuesByCount(projectId, statuses, query.sort, query.limit, query.cursor, keep, filtered);
    const [index, sortKey] = query.sort === 'new' ? (['gsi3', 'gsi3sk'] as const) : (['gsi2', 'gsi2sk'] as const);
    return this.listIssuesBySeen(projectId, statuses, index, sortKey, query.limit, decodeCursor(query.cursor), keep, filtered);
  }

  /**
   * Issues newest first by an index's sort key (`{iso}#{id}`), merged over the status partitions,
   * from just below `after`: index keys a page at a time, the items by BatchGet, filtered here.
   */
  private async listIssuesBySeen(
    projectId: string,
    statuses: readonly IssueStatus[],
    index: 'gsi2' | 'gsi3',
    sortKey: 'gsi2sk' | 'gsi3sk',
    limit: number,
    after: string | undefined,
    keep: (issue: Issue, item: Item) => boolean,
    filtered: boolean,
  ): Promise<{ issues: Issue[]; nextCursor?: string }> {
    const issues: Issue[] = [];
    let examined = 0;
    let cursor = after;
    const maxExamined = filtered ? MAX_EXAMINED_PER_FILTERED_LIST : MAX_EXAMINED_PER_LIST;
    const seen = new Set<string>();
    for (;;) {
      const want = filtered ? FILTERED_ROUND : Math.min(BATCH_GET_MAX_KEYS, Math.max(limit - issues.length, 10));
      // The next `want` keys of each partition below the cursor; merged, the first `want` of them are next overall.
      const pages = await Promise.all(
        statuses.map(async (status) => {
          const values: Record<string, unknown> = { ':p': issueListPk(projectId, status) };
          let condition = 'gsi2pk = :p';
          if (cursor !== undefined) {
            values[':c'] = cursor;
            condition += ` AND ${sortKey} < :c`;
          }
          const out = await this.doc.send(
            new QueryCommand({ TableName: this.table, IndexName: index, KeyConditionExpression: condition, ExpressionAttributeValues: values, ScanIndexForward: false, Limit: want }),
          );
          return { keys: out.Items ?? [], more: out.LastEvaluatedKey !== undefined };
        }),
      );
      const keys = pages
        .flatMap((p) => p.keys)
        .sort((a, b) => String(b[sortKey]).localeCompare(String(a[sortKey])))
        .slice(0, want);
      const exhausted = keys.length < want && !pages.some((p) => p.more);
      const items = await this.batchGetItems(keys.map((k) => ({ pk: k['pk'], sk: k['sk'] })));
      let j = 0;
      while (j < keys.length && issues.length < limit) {
        const k = keys[j++]!;
        examined++;
        cursor = String(k[sortKey]);
        const item = items.get(String(k['pk']));
        // The item decides over its index entry, which may be older than it (the index is eventually
        // consistent, and the item may be written between the query and the read): merged, emptied or
        // moved to another status's partition, it is not listed here. A last seen that moved since
        // only moved up, past where this scan started, so the entry is the issue's one place in this
        // scan and it is listed; a first seen only moves down, where the scan will meet it again.
        if (!item || item['mergedInto'] !== undefined || Number(item['count'] ?? 0) <= 0 || item['gsi2pk'] !== k['gsi2pk']) continue;
        if (item[sortKey] !== k[sortKey] && (sortKey === 'gsi3sk' || seen.has(String(k['pk'])))) continue;
        seen.add(String(k['pk']));
        const issue = stripIssue(item);
        if (keep(issue, item)) issues.push(issue);
      }
      const more = j < keys.length || !exhausted;
      if (issues.length >= limit || !more || examined >= maxExamined) {
        const result: { issues: Issue[]; nextCursor?: string } = { issues };
        if (more && cursor !== undefined) result.nextCursor = encodeCursor(cursor);
        return result;
      }
    }
  }

  /**
   * Issues by events (`freq`, gsi4) or users affected (`user`, gsi5), over all of the project's issues
   * in the statuses asked, merged over their partitions: the index reads for `countPage`.
   */
  private async listIssuesByCount(
    projectId: string,
    statuses: readonly IssueStatus[],
    sort: 'freq' | 'user',
    limit: number,
    cursor: string | undefined,
    keep: (issue: Issue, item: Item) => boolean,
    filtered: boolean,
  ): Promise<{ issues: Issue[]; nextCursor?: string }> {
    const [index, sortKey, countAttr] = sort === 'freq' ? (['gsi4', 'gsi4sk', 'count'] as const) : (['gsi5', 'gsi5sk', 'userCount'] as const);
    type Entry = CountIndexEntry & { item: Item };
    const query = async (status: IssueStatus, condition: string, extra: Record<string, unknown>, limit: number) => {
      const out = await this.doc.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: index,
          KeyConditionExpression: condition ? `gsi2pk = :p AND ${condition}` : 'gsi2pk = :p',
          ExpressionAttributeValues: { ':p': issueListPk(projectId, status), ...extra },
          ScanIndexForward: false,
          Limit: limit,
        }),
      );
      return { entries: (out.Items ?? []).map((item): Entry => ({ key: String(item[sortKey]), item })), more: out.LastEvaluatedKey !== undefined };
    };
    const merged = (pages: Array<{ entries: Entry[]; more: boolean }>, limit: number) => {
      const all = pages.flatMap((p) => p.entries).sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
      return { entries: all.slice(0, limit), more: all.length > limit || pages.some((p) => p.more) };
    };
    const seen = new Set<string>();
    const page = await countPage<Entry, { issue: Issue; item: Item }>(
      {
        below: async (below, n) =>
          merged(await Promise.all(statuses.map((s) => (below === undefined ? query(s, '', {}, n) : query(s, `${sortKey} < :c`, { ':c': below }, n)))), n),
        bucket: async (prefix, n) => {
          // Every entry of the bucket in every partition, up to n + 1 in all (one more says it holds more than n).
          const pages = await Promise.all(
            statuses.map(async (s) => {
              const entries: Entry[] = [];
              let start: Record<string, unknown> | undefined;
              do {
                const out = await this.doc.send(
                  new QueryCommand({
                    TableName: this.table,
                    IndexName: index,
                    KeyConditionExpression: `gsi2pk = :p AND begins_with(${sortKey}, :b)`,
                    ExpressionAttributeValues: { ':p': issueListPk(projectId, s), ':b': prefix },
                    Limit: n + 1 - entries.length,
                    ExclusiveStartKey: start,
                  }),
                );
                entries.push(...(out.Items ?? []).map((item): Entry => ({ key: String(item[sortKey]), item })));
                start = out.LastEvaluatedKey;
              } while (start && entries.length <= n);
              return entries;
            }),
          );
          const entries = pages.flat();
          return { entries: entries.slice(0, n), more: entries.length > n };
        },
        resolve: async (entries) => {
          const items = await this.batchGetItems(entries.map((e) => ({ pk: e.item['pk'], sk: e.item['sk'] })));
          return entries.map((e) => {
            const pk = String(e.item['pk']);
            const item = items.get(pk);
            // As in the other orders, the item decides over its entry (see listIssuesBySeen): merged, emptied or
            // moved to another status, it is not listed; a count that moved to a higher bucket since is listed
            // here, with its count now, unless this request met it already at its new place.
            if (!item || item['mergedInto'] !== undefined || Number(item['count'] ?? 0) <= 0 || item['gsi2pk'] !== e.item['gsi2pk']) return undefined;
            if (item[sortKey] !== e.key && seen.has(pk)) return undefined;
            seen.add(pk);
            return { value: { issue: stripIssue(item), item }, count: Number(item[countAttr] ?? 0) };
          });
        },
      },
      {
        limit,
        cursor,
        keep: ({ issue, item }) => keep(issue, item),
        maxExamined: filtered ? MAX_EXAMINED_PER_FILTERED_LIST : MAX_EXAMINED_PER_LIST,
        maxBucket: MAX_COUNT_BUCKET_READ,
        round: (missing) => (filtered ? FILTERED_ROUND : Math.min(BATCH_GET_MAX_KEYS, Math.max(missing, 10))),
      },
    );
    const result: { issues: Issue[]; nextCursor?: string } = { issues: page.values.map((v) => v.issue) };
    if (page.nextCursor) result.nextCursor = page.nextCursor;
    return result;
  }

  /** Items by key, 100 per BatchGet, unprocessed keys retried; by partition key (or `by`). */
  private async batchGetItems(keys: Item[], by: (item: Item) => string = (item) => String(item['pk']), projection?: string, consistent = false): Promise<Map<string, Item>> {
    const out = new Map<string, Item>();
    const chunks: Item[][] = [];
    for (let i = 0; i < keys.length; i += BATCH_GET_MAX_KEYS) chunks.push(keys.slice(i, i + BATCH_GET_MAX_KEYS));
    await Promise.all(chunks.map(async (chunk) => {
      let pending: Item[] | undefined = chunk;
      for (let round = 0; pending && pending.length > 0; round++) {
        if (round > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** round)));
        const got = await this.doc.send(
          new BatchGetCommand({ RequestItems: { [this.table]: { Keys: pending, ...(projection ? { ProjectionExpression: projection } : {}), ...(consistent ? { ConsistentRead: true } : {}) } } }),
        );
        for (const item of got.Responses?.[this.table] ?? []) out.set(by(item), item);
        pending = got.UnprocessedKeys?.[this.table]?.Keys as Item[] | undefined;
        if (round > 8 && pending?.length) throw new Error(`BatchGet left ${pending.length} keys unprocessed`);
      }
    }));
    return out;
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
    const keep = (k: string) => removes.splice(removes.indexOf(k), 1);
    if (details.resolvedInRelease !== undefined) {
      sets.push('resolvedInRelease = :resolvedInRelease');
      values[':resolvedInRelease'] = details.resolvedInRelease;
      keep('resolvedInRelease');
    }
    if (details.ignoreUntil !== undefined) {
      sets.push('ignoreUntil = :ignoreUntil');
      values[':ignoreUntil'] = details.ignoreUntil;
      keep('ignoreUntil');
    }
    // "Until N more events / N more users" (Sentry's ignoreCount, ignoreUserCount): stored as the total to reach.
    if (details.ignoreCount !== undefined) {
      names['#count'] = 'count';
      values[':zero'] = 0;
      values[':ignoreCount'] = details.ignoreCount;
      sets.push('ignoreCount = if_not_exists(#count, :zero) + :ignoreCount');
      keep('ignoreCount');
    }
    if (details.ignoreUserCount !== undefined) {
      values[':zero'] = 0;
      values[':ignoreUserCount'] = details.ignoreUserCount;
      sets.push('ignoreUserCount = if_not_exists(userCount, :zero) + :ignoreUserCount');
      keep('ignoreUserCount');
    }
    const out = await this.updateExisting(
      {
        Key: { pk: `ISSUE#${id}`, sk: 'ISSUE' },
        UpdateExpression: setAndRemove(sets, removes),
        ConditionExpression: 'attribute_exists(#pk)',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      },
      `issue ${id} does not exist`,
    );
    const after = out.Attributes!;
    const issue = stripIssue(after);
    await this.moveToListOf(await this.syncCountKeys(after), status);
    // A person closed the story: the next time it happens is news, whatever alert window was open.
    if (status !== 'unresolved') await this.releaseIssueAlerts(issue);
    return issue;
  }

  /** A listed issue whose status changed moves to that status's list partition (a rare, small index write). */
  private async moveToListOf(item: Item, status: IssueStatus): Promise<void> {
    const listPk = issueListPk(String(item['projectId']), status);
    if (item['gsi2pk'] === undefined || item['gsi2pk'] === listPk) return;
    await this.tryUpdate({
      Key: { pk: item['pk'], sk: item['sk'] },
      UpdateExpression: 'SET gsi2pk = :p',
      // Only while the status is still this one and the issue still listed (not merged meanwhile).
      ConditionExpression: '#status = :status AND attribute_exists(gsi2pk)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':p': listPk, ':status': status },
    });
  }

  private async releaseIssueAlerts(issue: Issue): Promise<void> {
    const keys = (await this.listRules(issue.projectId)).flatMap(alertChannelKeys);
    await Promise.all(
      keys.map((key) =>
        this.tryUpdate({
          Key: { pk: `ALERT#${key}#${issue.id}`, sk: 'ALERT' },
          UpdateExpression: 'SET expiresAt = :zero',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':zero': 0 },
        }),
      ),
    );
  }

  async deleteIssue(id: string): Promise<void> {
    const issue = await this.getIssue(id);
    if (!issue) throw new NotFoundError(`issue ${id} does not exist`);
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: `ISSUE#${id}`, sk: 'ISSUE' } }));
    await Promise.all(issue.hashes.map((h) => this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: `PROJECT#${issue.projectId}`, sk: `HASH#${h}` } }))));
  }

  async mergeIssues(survivorId: string, otherIds: string[]): Promise<Issue> {
    const survivor = await this.getConsistent(`ISSUE#${survivorId}`, 'ISSUE');
    if (!survivor) throw new NotFoundError(`issue ${survivorId} does not exist`);
    if (typeof survivor['mergedInto'] === 'string') throw new ConflictError(`issue ${survivorId} was merged into ${survivor['mergedInto']}`);
    for (const otherId of new Set(otherIds)) {
      if (otherId === survivorId) continue;
      let other = await this.getConsistent(`ISSUE#${otherId}`, 'ISSUE');
      if (!other) throw new NotFoundError(`issue ${otherId} does not exist`);
      if (other['projectId'] !== survivor['projectId']) throw new ValidationError(`issue ${otherId} belongs to another project`);
      if (typeof other['mergedInto'] === 'string' && other['mergedInto'] !== survivorId) throw new ConflictError(`issue ${otherId} was merged into ${other['mergedInto']}`);
      if (other['mergedInto'] === undefined) {
        // Frozen first: every counting write requires attribute_not_exists(mergedInto), so what is read here is final.
        const frozen = this.doc.send(
          new UpdateCommand({
            TableName: this.table,
            Key: { pk: `ISSUE#${otherId}`, sk: 'ISSUE' },
            // A merged issue leaves the lists (its index entries are deleted with its list keys).
            UpdateExpression: 'SET mergedInto = :s REMOVE gsi2pk, gsi2sk, gsi3sk, gsi4sk, gsi5sk, gsi1pk, gsi1sk',
            ConditionExpression: 'attribute_exists(#pk) AND attribute_not_exists(mergedInto)',
            ExpressionAttributeNames: { '#pk': 'pk' },
            ExpressionAttributeValues: { ':s': survivorId },
            ReturnValues: 'ALL_NEW',
          }),
        );
        other = await onConditionFailure<Item, Item>(
          frozen.then((out): Item => out.Attributes!),
          async (e) => {
            const held = await this.getConsistent(`ISSUE#${otherId}`, 'ISSUE');
            if (!held || held['mergedInto'] !== survivorId) throw new ConflictError(`issue ${otherId} changed during the merge`, { cause: e });
            return held;
          },
        );
      }
      const hashes = (other['hashes'] as string[] | undefined) ?? [];
      // Users are distinct per issue: those of the merged issue already on the survivor are not added again.
      const users = await this.userClaims(otherId);
      const onSurvivor = await this.batchGetItems(users.map((sk) => ({ pk: `ISSUE#${survivorId}`, sk })), (item) => String(item['sk']));
      const shared = users.filter((sk) => onSurvivor.has(sk)).length;
      // Guarded by the merged id, so a repeated merge (a retried request) moves nothing twice. The tag
      // counters are written whole, guarded by what was read: a counting write in between means another round.
      for (let attempt = 0; ; attempt++) {
        const current = (await this.getConsistent(`ISSUE#${survivorId}`, 'ISSUE')) ?? survivor;
        if (((current['mergedIds'] as string[] | undefined) ?? []).includes(otherId)) break;
        const tags = mergeTagCountParts(current, other, otherId);
        const names: Record<string, string> = { '#pk': 'pk', '#count': 'count', ...tags?.names };
        const values: Record<string, unknown> = {
          ':empty': [],
          ':hashes': hashes.filter((h) => !((current['hashes'] as string[] | undefined) ?? []).includes(h)),
          ':ids': [otherId, ...((other['mergedIds'] as string[] | undefined) ?? [])],
          ':id': otherId,
          ':fs': minIso(current['firstSeen'], other['firstSeen'] as string),
          ':ls': maxIso(current['lastSeen'], other['lastSeen'] as string),
          ':fk': seenKey(minIso(current['firstSeen'], other['firstSeen'] as string), survivorId),
          ':lk': seenKey(maxIso(current['lastSeen'], other['lastSeen'] as string), survivorId),
          ':c': Number(other['count'] ?? 0),
          ':u': Math.max(0, Number(other['userCount'] ?? 0) - shared),
          ...tags?.values,
        };
        const sets = ['hashes = list_append(if_not_exists(hashes, :empty), :hashes)', 'mergedIds = list_append(if_not_exists(mergedIds, :empty), :ids)', 'firstSeen = :fs', 'lastSeen = :ls', 'gsi2sk = :lk', 'gsi3sk = :fk', ...(tags?.sets ?? [])];
        const adds = ['#count :c', 'userCount :u', ...(tags?.adds ?? [])];
        const conditions = ['attribute_exists(#pk)', 'attribute_not_exists(mergedInto)', 'NOT contains(mergedIds, :id)', ...(tags?.conditions ?? [])];
        const done = await this.tryUpdate({
          Key: { pk: `ISSUE#${survivorId}`, sk: 'ISSUE' },
          UpdateExpression: `SET ${sets.join(', ')} ADD ${adds.join(', ')}`,
          ConditionExpression: conditions.join(' AND '),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
        });
        if (done) break;
        if (attempt + 1 >= APPLY_ATTEMPTS) {
          const again = await this.getConsistent(`ISSUE#${survivorId}`, 'ISSUE');
          if (((again?.['mergedIds'] as string[] | undefined) ?? []).includes(otherId)) break;
          throw new ConflictError(`issue ${survivorId} changed during the merge`);
        }
      }
      // The merged issue's users become the survivor's, so their next events there are not new users.
      // Claims without a token count as counted (see the ledger). After the counting write: a merge
      // interrupted here and retried copies them then; one never retried can count such a user again.
      await mapInChunks(
        users.filter((sk) => !onSurvivor.has(sk)),
        USER_COPY_CONCURRENCY,
        async (sk) => {
          await this.tryPut({ Item: { pk: `ISSUE#${survivorId}`, sk, issueId: survivorId }, ConditionExpression: 'attribute_not_exists(pk)' });
        },
      );
      // New events of the merged fingerprints land on the survivor from now on.
      await Promise.all(
        hashes.map((h) =>
          this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: `PROJECT#${survivor['projectId']}`, sk: `HASH#${h}`, issueId: survivorId } })),
        ),
      );
    }
    return stripIssue(await this.syncCountKeys((await this.getConsistent(`ISSUE#${survivorId}`, 'ISSUE'))!));
  }

  /**
   * Sets the count-order keys (gsi4, gsi5) of a listed issue to its counts, when they differ: after a
   * merge added counts, and for issues written before those keys existed. Guarded by the counts read,
   * so a concurrent counting write (which sets the keys itself) wins; the item as it is now.
   */
  private async syncCountKeys(item: Item): Promise<Item> {
    for (let attempt = 0; attempt < APPLY_ATTEMPTS; attempt++) {
      if (item['gsi2pk'] === undefined || item['mergedInto'] !== undefined) return item;
      const keys = countKeys(item);
      if (item['gsi4sk'] === keys.gsi4sk && item['gsi5sk'] === keys.gsi5sk) return item;
      const out = await this.tryUpdate({
        Key: { pk: item['pk'], sk: item['sk'] },
        UpdateExpression: 'SET gsi4sk = :f, gsi5sk = :u',
        ConditionExpression: 'attribute_exists(gsi2pk) AND attribute_not_exists(mergedInto) AND #count = :c AND userCount = :n',
        ExpressionAttributeNames: { '#count': 'count' },
        ExpressionAttributeValues: { ':f': keys.gsi4sk, ':u': keys.gsi5sk, ':c': Number(item['count'] ?? 0), ':n': Number(item['userCount'] ?? 0) },
        ReturnValues: 'ALL_NEW',
      });
      if (out) return out.Attributes!;
      const again = await this.getConsistent(String(item['pk']), String(item['sk']));
      if (!again) return item;
      item = again;
    }
    return item;
  }

  /** Sort keys of an issue's user claims (`USER#…`). */
  private async userClaims(issueId: string): Promise<string[]> {
    const items = await this.queryAll(
      { KeyConditionExpression: 'pk = :p AND begins_with(sk, :u)', ExpressionAttributeValues: { ':p': `ISSUE#${issueId}`, ':u': 'USER#' }, ProjectionExpression: 'sk' },
      Number.MAX_SAFE_INTEGER,
    );
    return items.map((i) => String(i['sk']));
  }

  /** The issue and those merged into it, whose events and counts are read through it. */
  private async lineage(issueId: string): Promise<{ item: Item | undefined; ids: string[] }> {
    const item = await this.get(`ISSUE#${issueId}`, 'ISSUE');
    return { item, ids: [issueId, ...((item?.['mergedIds'] as string[] | undefined) ?? [])] };
  }

  async projectHourlyCounts(projectId: string, hours: number, now: Date, maxIssues: number): Promise<{ series: Array<[number, number]>; partial: boolean }> {
    const end = Math.floor(now.getTime() / 3_600_000) * 3_600_000;
    const start = end - (hours - 1) * 3_600_000;
    // Only issues seen inside the window can have counts in it; the last-seen index finds them.
    const since = new Date(start).toISOString();
    const perStatus = await Promise.all(
      ISSUE_STATUSES.map((status) =>
        this.queryAll(
          {
            IndexName: 'gsi2',
            KeyConditionExpression: 'gsi2pk = :p AND gsi2sk >= :since',
            ExpressionAttributeValues: { ':p': issueListPk(projectId, status), ':since': since },
            ScanIndexForward: false,
          },
          maxIssues + 1,
        ),
      ),
    );
    const ids = [...new Set(perStatus.flat().map((i) => String(i['pk']).slice('ISSUE#'.length)))];
    const partial = ids.length > maxIssues;
    // A bounded number of reads in flight: a project list asks this for every project at once.
    const wanted = ids.slice(0, maxIssues);
    const perIssue: Array<Array<[number, number]>> = new Array(wanted.length);
    let next = 0;
    await Promise.all(
      Array.from({ length: Math.min(PROJECT_STATS_CONCURRENCY, wanted.length) }, async () => {
        while (next < wanted.length) {
          const i = next++;
          perIssue[i] = await this.hourlyCounts(wanted[i]!, hours, now);
        }
      }),
    );
    const series: Array<[number, number]> = [];
    for (let i = 0, t = start; t <= end; i++, t += 3_600_000) series.push([t / 1000, perIssue.reduce((sum, s) => sum + (s[i]?.[1] ?? 0), 0)]);
    return { series, partial };
  }

  async hourlyCounts(issueId: string, hours: number, now: Date): Promise<Array<[number, number]>> {
    const end = Math.floor(now.getTime() / 3_600_000) * 3_600_000;
    const start = end - (hours - 1) * 3_600_000;
    const { item, ids } = await this.lineage(issueId);
    const totals = new Map<string, number>();
    await Promise.all(
      ids.map(async (id) => {
        const issueItem = id === issueId ? item : await this.get(`ISSUE#${id}`, 'ISSUE');
        const items = await this.queryAll({
          KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b',
          ExpressionAttributeValues: { ':p': `ISSUE#${id}`, ':a': `HOUR#${hourKey(start)}`, ':b': `HOUR#${hourKey(end)}` },
        });
        // An hour being rolled up is briefly in both places with the same value: the map wins.
        const counts = new Map(items.map((i) => [String(i['sk']).slice(5), Number(i['count'])]));
        for (const [hour, n] of Object.entries((issueItem?.['hours'] as Record<string, number> | undefined) ?? {})) counts.set(hour, Number(n));
        for (const [hour, n] of counts) totals.set(hour, (totals.get(hour) ?? 0) + n);
      }),
    );
    const out: Array<[number, number]> = [];
    for (let t = start; t <= end; t += 3_600_000) out.push([t / 1000, totals.get(hourKey(t)) ?? 0]);
    return out;
  }

  async claimUser(issueId: string, userKey: string, token: string): Promise<ClaimResult> {
    const Key = { pk: `ISSUE#${issueId}`, sk: `USER#${userKey.slice(0, MAX_USER_KEY_CHARS)}` };
    return this.claim(Key, { ...Key, token, issueId }, token, undefined);
  }

  async takeOverUser(issueId: string, userKey: string, from: string, to: string): Promise<boolean> {
    return this.takeOver({ pk: `ISSUE#${issueId}`, sk: `USER#${userKey.slice(0, MAX_USER_KEY_CHARS)}` }, from, to, {});
  }

  // ---- counted-only events (dynamo-counted.ts) ----

  async recordCounted(issueId: string, token: string, ids: readonly string[], expiresAt: number): Promise<void> {
    // A plain put: the token is this batch's own, and a retried put writes the same item again.
    await this.doc.send(new PutCommand({ TableName: this.table, Item: countedItem(issueId, token, ids, expiresAt) }));
  }

  async countedSince(issueId: string, sinceMs: number): Promise<CountedRecord[]> {
    // From the end of the merge chain: a record written on an issue merged since is read through its survivor.
    let root = issueId;
    let item = await this.getConsistent(`ISSUE#${root}`, 'ISSUE');
    for (let hop = 0; item && typeof item['mergedInto'] === 'string' && hop < MAX_MERGE_HOPS; hop++) {
      root = item['mergedInto'];
      item = await this.getConsistent(`ISSUE#${root}`, 'ISSUE');
    }
    const ids = [...new Set([root, issueId, ...((item?.['mergedIds'] as string[] | undefined) ?? [])])];
    const pages = await Promise.all(
      ids.map(async (id) => {
        // Every record in the window: a record left out could be an applied token's, counted again.
        const items = await this.queryAll({ ...countedRange(id, sinceMs), ConsistentRead: true, ProjectionExpression: 'sk, ids' }, Number.MAX_SAFE_INTEGER);
        return items.map((i) => readCounted(id, i));
      }),
    );
    return pages.flat();
  }

  /** A conditional put of a claim item; a lost response retried by the SDK finds its own token. */
  private async claim(Key: Item, item: Item, token: string, nowSeconds: number | undefined): Promise<ClaimResult> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const put = await this.tryPut({
        Item: item,
        // An expired copy (TTL deletion is lazy) does not count as a holder.
        ...(nowSeconds === undefined
          ? { ConditionExpression: 'attribute_not_exists(pk)' }
          : { ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now', ExpressionAttributeValues: { ':now': nowSeconds } }),
      });
      if (put) return { claimed: true };
      const held = await this.doc.send(
        new GetCommand({ TableName: this.table, Key, ConsistentRead: true, ProjectionExpression: '#t, issueId, expiresAt', ExpressionAttributeNames: { '#t': 'token' } }),
      );
      if (!held.Item) continue;
      if (held.Item['token'] === token) return { claimed: true };
      return { claimed: false, token: held.Item['token'] as string | undefined, issueId: String(held.Item['issueId'] ?? '') };
    }
    throw new Error(`claim ${String(Key['pk'])} kept changing`);
  }

  private async takeOver(Key: Item, from: string, to: string, sets: Record<string, unknown>): Promise<boolean> {
    const names: Record<string, string> = { '#t': 'token' };
    const values: Record<string, unknown> = { ':from': from, ':to': to };
    const parts = ['#t = :to'];
    Object.entries(sets).forEach(([k, v], i) => {
      names[`#s${i}`] = k;
      values[`:s${i}`] = v;
      parts.push(`#s${i} = :s${i}`);
    });
    if (await this.tryUpdate({ Key, UpdateExpression: `SET ${parts.join(', ')}`, ConditionExpression: '#t = :from', ExpressionAttributeNames: names, ExpressionAttributeValues: values })) return true;
    const held = await this.doc.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true, ProjectionExpression: '#t', ExpressionAttributeNames: { '#t': 'token' } }));
    return held.Item?.['token'] === to;
  }

  // ---- events ----

  async claimEvent(stored: StoredEvent, token: string, expiresAt: number, full: boolean): Promise<ClaimResult> {
    const Key = { pk: `EVENT#${stored.projectId}#${stored.eventId}`, sk: 'EVENT' };
    const item: Item = {
      ...Key,
      token,
      expiresAt,
      eventId: stored.eventId,
      projectId: stored.projectId,
      issueId: stored.issueId,
      dateCreated: stored.dateCreated,
      dateReceived: stored.dateReceived,
    };
    const nowSeconds = Math.floor(Date.now() / 1000);
    // Only sampled events carry the body and the index keys; the rest are small claims that deduplicate.
    if (full) Object.assign(item, { gsi2pk: `ISSUE#${stored.issueId}#EVENTS`, gsi2sk: `${stored.dateCreated}#${stored.eventId}` }, await this.storeBody(stored, expiresAt - nowSeconds));
    return this.claim(Key, item, token, nowSeconds);
  }

  /**
   * The body attribute of a stored event: the compressed body itself when it fits an item, else
   * `bodyRef`, the key of the whole body in the payload bucket. The object is written before the
   * item, so a crash between the two leaves at worst an object nothing points at (its lifecycle
   * rule ends it), never an item pointing at nothing.
   */
  private async storeBody(stored: StoredEvent, retentionSeconds: number): Promise<{ body: Uint8Array } | { bodyRef: string }> {
    const body = encodeEventBody(JSON.stringify(stored.event));
    if (body.length <= MAX_EVENT_BODY_BYTES) return { body };
    if (!this.blobs) throw new ConfigError(`event ${stored.eventId} is too large for a DynamoDB item and the event store has no blob store`);
    // The retention in whole days (the item's TTL was set from the project's retention a moment ago).
    const retentionDays = Math.max(1, Math.round(retentionSeconds / 86_400));
    const digest = createHash('sha256').update(body).digest('hex').slice(0, BODY_DIGEST_HEX_CHARS);
    const bodyRef = eventBodyKey(retentionDays, stored.projectId, stored.eventId, digest);
    await this.blobs.put(bodyRef, body, 'application/octet-stream');
    return { bodyRef };
  }

  async claimedEvents(projectId: string, eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    // Reads, not writes: a strongly consistent read of a small or missing item is one read unit (a fifth of a claim's write).
    const items = await this.batchGetItems(
      eventIds.map((id) => ({ pk: `EVENT#${projectId}#${id}`, sk: 'EVENT' })),
      undefined,
      'pk',
      true,
    );
    return new Set([...items.keys()].map((pk) => pk.slice(`EVENT#${projectId}#`.length)));
  }

  async takeOverEvent(projectId: string, eventId: string, from: string, to: string, issueId: string): Promise<boolean> {
    const Key = { pk: `EVENT#${projectId}#${eventId}`, sk: 'EVENT' };
    const held = await this.getConsistent(Key.pk, Key.sk);
    const sets: Record<string, unknown> = { issueId };
    if (held?.['gsi2pk'] !== undefined) sets['gsi2pk'] = `ISSUE#${issueId}#EVENTS`;
    return this.takeOver(Key, from, to, sets);
  }

  /** A stored event from its item; undefined when the item has no body, or has expired (TTL deletion is lazy). */
  private async decodeEvent(item: Item | undefined): Promise<StoredEvent | undefined> {
    if (!item || (typeof item['expiresAt'] === 'number' && item['expiresAt'] < Date.now() / 1000)) return undefined;
    let body = item['body'] as Uint8Array | undefined;
    if (!body && typeof item['bodyRef'] === 'string') body = await this.fetchBody(item['bodyRef']);
    if (!body) return undefined;
    return {
      eventId: item['eventId'] as string,
      projectId: item['projectId'] as string,
      issueId: item['issueId'] as string,
      dateCreated: item['dateCreated'] as string,
      dateReceived: item['dateReceived'] as string,
      event: JSON.parse(decodeEventBody(body)),
    };
  }

  /** An offloaded body; undefined once its object is gone (its lifecycle rule ended it with the event). */
  private async fetchBody(ref: string): Promise<Uint8Array | undefined> {
    if (!this.blobs) throw new ConfigError(`event body ${ref} is in the payload bucket and the event store has no blob store`);
    try {
      return await this.blobs.get(ref);
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  async getEvent(projectId: string, eventId: string): Promise<StoredEvent | undefined> {
    const stored = await this.decodeEvent(await this.get(`EVENT#${projectId}#${eventId}`, 'EVENT'));
    if (!stored) return undefined;
    // Events keep the issue they were counted on; after a merge they belong to the survivor.
    for (let hop = 0; hop < MAX_MERGE_HOPS; hop++) {
      const issue = await this.doc.send(new GetCommand({ TableName: this.table, Key: { pk: `ISSUE#${stored.issueId}`, sk: 'ISSUE' }, ProjectionExpression: 'mergedInto' }));
      const into = issue.Item?.['mergedInto'];
      if (typeof into !== 'string') break;
      stored.issueId = into;
    }
    return stored;
  }

  async listEvents(issueId: string, opts: { limit: number; oldestFirst?: boolean; cursor?: string }): Promise<{ events: StoredEvent[]; nextCursor?: string }> {
    const { page, nextCursor } = await this.eventIndexPage(issueId, opts);
    const byPk = await this.batchGetItems(page.map((k) => ({ pk: k['pk'], sk: k['sk'] })));
    // Only offloaded bodies cost a request of their own: a few at a time, while the rest decode.
    const decoded = await mapBounded(page, BODY_FETCH_CONCURRENCY, (k) => this.decodeEvent(byPk.get(String(k['pk']))));
    const events = decoded.filter((e): e is StoredEvent => e !== undefined).map((e) => ({ ...e, issueId }));
    return nextCursor === undefined ? { events } : { events, nextCursor };
  }

  async listEventIds(issueId: string, opts: { limit: number; oldestFirst?: boolean; cursor?: string }): Promise<{ ids: string[]; nextCursor?: string }> {
    const { page, nextCursor } = await this.eventIndexPage(issueId, opts);
    // The items are read for their expiry only (TTL deletion is lazy): no body is transferred, decoded or fetched.
    const byPk = await this.batchGetItems(page.map((k) => ({ pk: k['pk'], sk: k['sk'] })), undefined, 'pk, eventId, expiresAt');
    const nowS = Date.now() / 1000;
    const ids = page.flatMap((k) => {
      const item = byPk.get(String(k['pk']));
      return item && !(typeof item['expiresAt'] === 'number' && item['expiresAt'] < nowS) ? [String(item['eventId'])] : [];
    });
    return nextCursor === undefined ? { ids } : { ids, nextCursor };
  }

  /** One page of an issue's event index (its merged issues' too), in list order: the keys and the cursor after them. */
  private async eventIndexPage(issueId: string, opts: { limit: number; oldestFirst?: boolean; cursor?: string }): Promise<{ page: Item[]; nextCursor?: string }> {
    const { ids } = await this.lineage(issueId);
    const after = opts.cursor ? Buffer.from(opts.cursor, 'base64url').toString('utf8') : undefined;
    const asc = opts.oldestFirst === true;
    // The cursor is the index sort key of the last event shown, so pages continue across merged issues.
    const pages = await Promise.all(
      ids.map(async (id) => {
        const values: Record<string, unknown> = { ':p': `ISSUE#${id}#EVENTS` };
        let condition = 'gsi2pk = :p';
        if (after !== undefined) {
          values[':c'] = after;
          condition += asc ? ' AND gsi2sk > :c' : ' AND gsi2sk < :c';
        }
        const out = await this.doc.send(
          new QueryCommand({ TableName: this.table, IndexName: 'gsi2', KeyConditionExpression: condition, ExpressionAttributeValues: values, ScanIndexForward: asc, Limit: opts.limit }),
        );
        return { items: out.Items ?? [], more: out.LastEvaluatedKey !== undefined };
      }),
    );
    const all = pages.flatMap((p) => p.items).sort((a, b) => (asc ? 1 : -1) * String(a['gsi2sk']).localeCompare(String(b['gsi2sk'])));
    const page = all.slice(0, opts.limit);
    if (all.length > opts.limit || pages.some((p) => p.more)) return { page, nextCursor: Buffer.from(String(page.at(-1)?.['gsi2sk'] ?? '')).toString('base64url') };
    return { page };
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

  async claimAlert(ruleId: string, issueId: string, expiresAt: number, nowSeconds: number, events: number, token: string): Promise<{ claimed: boolean; merged: number; started?: boolean }> {
    const Key = { pk: `ALERT#${ruleId}#${issueId}`, sk: 'ALERT' };
    const names = { '#t': 'token' };
    for (let attempt = 0; attempt < 3; attempt++) {
      // claimedMerged keeps the previous window's count until the send succeeds (release restores it).
      const out = await this.tryUpdate({
        Key,
        // A new window, and this token's attempt to send it (one write instead of two on the hot path).
        UpdateExpression: 'SET claimedMerged = if_not_exists(merged, :zero), merged = :zero, expiresAt = :exp, claimedAt = :now, #t = :tok, sent = :false, sendingAt = :nowMs',
        ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':exp': expiresAt, ':zero': 0, ':now': nowSeconds, ':nowMs': nowSeconds * 1000, ':tok': token, ':false': false },
        ReturnValues: 'ALL_OLD',
      });
      if (out) return { claimed: true, merged: Number(out.Attributes?.['merged'] ?? 0), started: true };
      const live = await this.getConsistent(Key.pk, Key.sk);
      if (!live || Number(live['expiresAt']) < nowSeconds) continue;
      if (live['token'] === token) {
        // This batch claimed the window before (a redelivery): send again only if the email never went out.
        return live['sent'] === true ? { claimed: false, merged: 0 } : { claimed: true, merged: Number(live['claimedMerged'] ?? 0) };
      }
      // Inside a live window: count the events this alert merges.
      const counted = await this.tryUpdate({
        Key,
        UpdateExpression: 'ADD merged :n',
        ConditionExpression: 'attribute_exists(pk) AND expiresAt >= :now AND #t <> :tok',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: { ':n': events, ':now': nowSeconds, ':tok': token },
      });
      if (counted) return { claimed: false, merged: 0 };
      // The window ended (or was released) between the two writes: try to claim again.
    }
    return { claimed: false, merged: 0 };
  }

  async beginAlertSend(ruleId: string, issueId: string, token: string, nowMs: number, staleBeforeMs: number): Promise<'go' | 'busy' | 'done'> {
    const Key = { pk: `ALERT#${ruleId}#${issueId}`, sk: 'ALERT' };
    const began = await this.tryUpdate({
      Key,
      UpdateExpression: 'SET sendingAt = :now',
      ConditionExpression: '#t = :tok AND sent = :false AND (attribute_not_exists(sendingAt) OR sendingAt < :stale)',
      ExpressionAttributeNames: { '#t': 'token' },
      ExpressionAttributeValues: { ':now': nowMs, ':tok': token, ':false': false, ':stale': staleBeforeMs },
    });
    if (began) return 'go';
    const item = await this.getConsistent(Key.pk, Key.sk);
    return item?.['token'] === token && item['sent'] === false ? 'busy' : 'done';
  }

  async markAlertSent(ruleId: string, issueId: string, token: string): Promise<void> {
    await this.tryUpdate({
      Key: { pk: `ALERT#${ruleId}#${issueId}`, sk: 'ALERT' },
      UpdateExpression: 'SET sent = :true',
      ConditionExpression: '#t = :tok',
      ExpressionAttributeNames: { '#t': 'token' },
      ExpressionAttributeValues: { ':true': true, ':tok': token },
    });
  }

  async releaseAlert(ruleId: string, issueId: string): Promise<void> {
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `ALERT#${ruleId}#${issueId}`, sk: 'ALERT' },
        UpdateExpression: 'SET merged = if_not_exists(merged, :zero) + if_not_exists(claimedMerged, :zero), claimedMerged = :zero, expiresAt = :zero REMOVE sendingAt',
        ExpressionAttributeValues: { ':zero': 0 },
      }),
    );
  }

  async addMinuteCounts(issueId: string, minute: number, events: number, users: readonly string[] = []): Promise<void> {
    // A string set: ADD is a union, so a user seen by two batches (or a redelivery) counts once.
    const withUsers = users.length > 0;
    await this.doc.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: `ISSUE#${issueId}`, sk: `MIN#${String(minute).padStart(10, '0')}` },
        UpdateExpression: withUsers ? 'ADD #c :n, #u :users SET expiresAt = :exp' : 'ADD #c :n SET expiresAt = :exp',
        ExpressionAttributeNames: withUsers ? { '#c': 'count', '#u': 'users' } : { '#c': 'count' },
        ExpressionAttributeValues: { ':n': events, ':exp': minute * 60 + MINUTE_COUNT_TTL_S, ...(withUsers ? { ':users': new Set(users) } : {}) },
      }),
    );
  }

  async listMinuteCounts(issueId: string, fromMinute: number, toMinute: number): Promise<Array<{ minute: number; events: number; users: string[] }>> {
    const items = await this.queryAll(
      {
        KeyConditionExpression: 'pk = :p AND sk BETWEEN :a AND :b',
        ExpressionAttributeValues: { ':p': `ISSUE#${issueId}`, ':a': `MIN#${String(fromMinute).padStart(10, '0')}`, ':b': `MIN#${String(toMinute).padStart(10, '0')}` },
      },
      Infinity,
    );
    return items.map((i) => ({
      minute: Number(String(i['sk']).slice(4)),
      events: Number(i['count'] ?? 0),
      users: i['users'] instanceof Set ? [...(i['users'] as Set<string>)] : [],
    }));
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
    const token: { hash: string; userId: string; scopes: string[]; orgSlug: string; memberId?: string; expiresAt?: string } = {
      hash,
      userId: item['userId'] as string,
      scopes: item['scopes'] as string[],
      orgSlug: item['orgSlug'] as string,
    };
    if (typeof item['memberId'] === 'string') token.memberId = item['memberId'];
    // `expiresAt` is the TTL attribute (epoch s); the domain reads the ISO date kept beside it.
    if (typeof item['expiresAtIso'] === 'string') token.expiresAt = item['expiresAtIso'];
    return token;
  }

  async putToken(token: { hash: string; userId: string; scopes: string[]; orgSlug: string; label: string; memberId?: string }): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: `TOKEN#${token.hash}`, sk: 'TOKEN', ...token } }));
  }
}

/**
 * A DynamoDB item holds 400 KB, keys and attributes included; the event body
 * gets what is left with a margin. A larger body goes whole to the payload
 * bucket and the item keeps its key (`bodyRef`).
 */
export const MAX_EVENT_BODY_BYTES = 380 * 1024;
/** 64 bits of SHA-256 tell apart two copies sent under one event id. */
const BODY_DIGEST_HEX_CHARS = 16;
/** Offloaded bodies one event list fetches from the payload bucket at a time. */
const BODY_FETCH_CONCURRENCY = 8;

/** `fn` over `items` with at most `limit` calls in flight; results in the order of `items`. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
