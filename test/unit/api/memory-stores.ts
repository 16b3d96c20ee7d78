/** In-memory token and member stores for unit tests of the access rules. */
import type { ApiToken, Member, Team } from '#shared/model.ts';
import type { MemberStore, TokenStore } from '#shared/ports.ts';

export class MemoryStores implements TokenStore, MemberStore {
  tokens = new Map<string, { hash: string; userId: string; scopes: string[]; orgSlug: string; label: string; memberId?: string; expiresAt?: string; id?: string }>();
  members = new Map<string, Member>();
  teams = new Map<string, Team>();
  projectTeams = new Map<string, string[]>();

  async getToken(hash: string) {
    return this.tokens.get(hash);
  }
  async putToken(token: { hash: string; userId: string; scopes: string[]; orgSlug: string; label: string; memberId?: string }) {
    this.tokens.set(token.hash, { ...token });
  }
  async listMembers(orgSlug: string) {
    return [...this.members.values()].filter((m) => m.orgSlug === orgSlug);
  }
  async getMember(orgSlug: string, id: string) {
    const m = this.members.get(id);
    return m?.orgSlug === orgSlug ? { ...m } : undefined;
  }
  async membersOfUser(userId: string) {
    return [...this.members.values()].filter((m) => m.userId === userId).map((m) => ({ ...m }));
  }
  async invitesForEmail(email: string) {
    return [...this.members.values()].filter((m) => m.userId === undefined && m.email === email.toLowerCase()).map((m) => ({ ...m }));
  }
  async createMember(member: Member) {
    this.members.set(member.id, { ...member });
  }
  async putMember(member: Member) {
    this.members.set(member.id, { ...member });
  }
  async deleteMember(_orgSlug: string, id: string) {
    this.members.delete(id);
  }
  async listTeams(orgSlug: string) {
    return [...this.teams.values()].filter((t) => t.orgSlug === orgSlug);
  }
  async getTeam(orgSlug: string, slug: string) {
    return this.teams.get(`${orgSlug}/${slug}`);
  }
  async createTeam(team: Team) {
    this.teams.set(`${team.orgSlug}/${team.slug}`, team);
  }
  async setProjectTeams(projectId: string, teams: string[]) {
    this.projectTeams.set(projectId, teams);
  }
  async createToken(token: ApiToken) {
    this.tokens.set(token.hash, { ...token, label: token.name });
  }
  async listTokens(orgSlug: string, memberId: string) {
    return [...this.tokens.values()].filter((t) => t.orgSlug === orgSlug && t.memberId === memberId) as unknown as ApiToken[];
  }
  async deleteToken(hash: string) {
    this.tokens.delete(hash);
  }
}
