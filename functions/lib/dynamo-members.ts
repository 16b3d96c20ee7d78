/**
 * DynamoDB adapter of the `MemberStore` port: members, teams, the teams of a
 * project and members' API tokens, on the single table (key layout in the
 * doc comment of `dynamo.ts`).
 */
import { DeleteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { NotFoundError } from '#shared/errors.ts';
import type { ApiToken, Member, Team } from '#shared/model.ts';
import type { MemberStore } from '#shared/ports.ts';
import { TableClient, type Item } from './dynamo-table.ts';

const KEY_ATTRS = new Set(['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk', 'expiresAt', 'expiresAtIso']);
function strip<T>(item: Item): T {
  const out: Item = {};
  for (const [k, v] of Object.entries(item)) if (!KEY_ATTRS.has(k)) out[k] = v;
  return out as T;
}

/** Where a member is found by identity: its sign-in once bound, its email while invited. */
function memberIndex(m: Member): Item {
  return { gsi1pk: m.userId !== undefined ? `USER#${m.userId}` : `EMAIL#${m.email}`, gsi1sk: `ORG#${m.orgSlug}` };
}

export class DynamoMemberStore extends TableClient implements MemberStore {
  // Unbounded: an organization's members, teams and tokens are listed whole.
  private byIndex(pk: string): Promise<Item[]> {
    return this.queryAll({ IndexName: 'gsi1', KeyConditionExpression: 'gsi1pk = :p', ExpressionAttributeValues: { ':p': pk } }, Infinity);
  }

  private byPrefix(pk: string, prefix: string): Promise<Item[]> {
    return this.queryAll({ KeyConditionExpression: 'pk = :p AND begins_with(sk, :s)', ExpressionAttributeValues: { ':p': pk, ':s': prefix } }, Infinity);
  }

  // ---- members ----

  async listMembers(orgSlug: string): Promise<Member[]> {
    return (await this.byPrefix(`ORG#${orgSlug}`, 'MEMBER#')).map((i) => strip<Member>(i));
  }

  async getMember(orgSlug: string, id: string): Promise<Member | undefined> {
    const item = await this.getConsistent(`ORG#${orgSlug}`, `MEMBER#${id}`);
    return item ? strip<Member>(item) : undefined;
  }

  async membersOfUser(userId: string): Promise<Member[]> {
    return (await this.byIndex(`USER#${userId}`)).map((i) => strip<Member>(i));
  }

  async invitesForEmail(email: string): Promise<Member[]> {
    return (await this.byIndex(`EMAIL#${email.toLowerCase()}`)).map((i) => strip<Member>(i));
  }

  async createMember(member: Member): Promise<void> {
    // The email claim keeps one membership per email and organization, also under concurrent invites.
    await this.putUnique({ pk: `ORG#${member.orgSlug}`, sk: `MEMBER_EMAIL#${member.email}`, memberId: member.id }, `${member.email} is already a member of ${member.orgSlug}`);
    await this.putMember(member);
  }

  async putMember(member: Member): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.table, Item: { pk: `ORG#${member.orgSlug}`, sk: `MEMBER#${member.id}`, ...memberIndex(member), ...member } }));
  }

  async deleteMember(orgSlug: string, id: string): Promise<void> {
    const member = await this.getMember(orgSlug, id);
    if (!member) throw new NotFoundError(`member ${id} not found`);
    // Tokens first: a member who is gone must not keep an API token that still resolves.
    for (const token of await this.listTokens(orgSlug, id)) await this.deleteToken(token.hash);
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: `ORG#${orgSlug}`, sk: `MEMBER#${id}` } }));
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: `ORG#${orgSlug}`, sk: `MEMBER_EMAIL#${member.email}` } }));
  }

  // ---- teams ----

  async listTeams(orgSlug: string): Promise<Team[]> {
    return (await this.byPrefix(`ORG#${orgSlug}`, 'TEAM#')).map((i) => strip<Team>(i));
  }

  async getTeam(orgSlug: string, slug: string): Promise<Team | undefined> {
    const item = await this.get(`ORG#${orgSlug}`, `TEAM#${slug}`);
    return item ? strip<Team>(item) : undefined;
  }

  async createTeam(team: Team): Promise<void> {
    await this.putUnique({ pk: `ORG#${team.orgSlug}`, sk: `TEAM#${team.slug}`, ...team }, `a team with the slug ${team.slug} already exists`);
  }

  async setProjectTeams(projectId: string, teams: string[]): Promise<void> {
    await this.updateExisting(
      { Key: { pk: `PROJECT#${projectId}`, sk: 'PROJECT' }, UpdateExpression: 'SET teams = :t', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeValues: { ':t': teams } },
      `project ${projectId} not found`,
    );
  }

  // ---- API tokens of members ----

  async createToken(token: ApiToken): Promise<void> {
    const item: Item = {
      pk: `TOKEN#${token.hash}`,
      sk: 'TOKEN',
      gsi1pk: `ORG#${token.orgSlug}#MEMBER#${token.memberId ?? '-'}#TOKENS`,
      gsi1sk: token.id.padStart(12, '0'),
      ...token,
      label: token.name,
    };
    if (token.expiresAt !== undefined) {
      item['expiresAtIso'] = token.expiresAt;
      item['expiresAt'] = Math.ceil(Date.parse(token.expiresAt) / 1000);
    }
    await this.doc.send(new PutCommand({ TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  async listTokens(orgSlug: string, memberId: string): Promise<ApiToken[]> {
    return (await this.byIndex(`ORG#${orgSlug}#MEMBER#${memberId}#TOKENS`)).map((i) => {
      const t = strip<ApiToken & { label?: string }>(i);
      delete t.label;
      if (typeof i['expiresAtIso'] === 'string') t.expiresAt = i['expiresAtIso'];
      return t;
    });
  }

  async deleteToken(hash: string): Promise<void> {
    await this.doc.send(new DeleteCommand({ TableName: this.table, Key: { pk: `TOKEN#${hash}`, sk: 'TOKEN' } }));
  }
}
