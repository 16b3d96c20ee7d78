/** An in-memory `IntakeStore` for unit tests: the same answers as the DynamoDB adapter, in maps. */
import type { OutcomeCount, ReleaseHealth, SessionCounts, StoredAttachment, UserFeedback } from '#shared/model.ts';
import type { IntakeStore } from '#shared/ports.ts';

export class MemoryIntake implements IntakeStore {
  counters = new Map<string, number>();
  limitedUntil = new Map<string, number>();
  outcomes: Array<OutcomeCount & { projectId: string; day: string }> = [];
  attachments: StoredAttachment[] = [];
  feedback = new Map<string, UserFeedback>();
  releases = new Map<string, ReleaseHealth>();
  sessions = new Map<string, Set<string>>();
  eventIssues = new Map<string, string>();
  /** Writes made, by method: the cost of a batch. */
  writes: string[] = [];

  async countEvents(projectId: string, windows: { minute?: number; month?: string }, events: number) {
    const out: { minute?: number; month?: number } = {};
    const add = (k: string) => {
      this.writes.push('countEvents');
      const n = (this.counters.get(k) ?? 0) + events;
      this.counters.set(k, n);
      return n;
    };
    if (windows.minute !== undefined) out.minute = add(`${projectId}/min/${windows.minute}`);
    if (windows.month !== undefined) out.month = add(`${projectId}/month/${windows.month}`);
    return out;
  }
  keyLimitedUntil = new Map<string, number>();
  async countKeyEvents(publicKey: string, windowSeconds: number, slot: number, events: number) {
    this.writes.push('countKeyEvents');
    const k = `key/${publicKey}/${windowSeconds}/${slot}`;
    const n = (this.counters.get(k) ?? 0) + events;
    this.counters.set(k, n);
    return n;
  }
  async setKeyLimitedUntil(publicKey: string, until: number) {
    this.writes.push('setKeyLimitedUntil');
    this.keyLimitedUntil.set(publicKey, Math.max(until, this.keyLimitedUntil.get(publicKey) ?? 0));
  }
  async setLimitedUntil(projectId: string, until: number) {
    this.writes.push('setLimitedUntil');
    this.limitedUntil.set(projectId, Math.max(until, this.limitedUntil.get(projectId) ?? 0));
  }
  async addOutcomes(projectId: string, day: string, outcomes: OutcomeCount[]) {
    this.writes.push('addOutcomes');
    for (const o of outcomes) this.outcomes.push({ ...o, projectId, day });
  }
  async listOutcomes(projectId: string, fromDay: string, toDay: string) {
    return this.outcomes.filter((o) => o.projectId === projectId && o.day >= fromDay && o.day <= toDay);
  }
  total(match: Partial<OutcomeCount & { projectId: string }>): number {
    return this.outcomes.filter((o) => Object.entries(match).every(([k, v]) => (o as unknown as Record<string, unknown>)[k] === v)).reduce((a, o) => a + o.quantity, 0);
  }
  async putAttachment(a: StoredAttachment) {
    this.writes.push('putAttachment');
    this.attachments = [...this.attachments.filter((x) => x.id !== a.id), a];
  }
  async listAttachments(projectId: string, eventId: string) {
    return this.attachments.filter((a) => a.projectId === projectId && a.eventId === eventId);
  }
  async listIssueAttachments(issueId: string) {
    return this.attachments.filter((a) => a.issueId === issueId);
  }
  async eventIssueId(projectId: string, eventId: string) {
    return this.eventIssues.get(`${projectId}/${eventId}`);
  }
  issueFeedbackCounts = new Map<string, number>();
  async putFeedback(f: UserFeedback) {
    this.writes.push('putFeedback');
    const fresh = !this.feedback.has(`${f.projectId}/${f.id}`);
    this.feedback.set(`${f.projectId}/${f.id}`, { ...f });
    return fresh;
  }
  async linkFeedback(f: UserFeedback, issueId: string) {
    const held = this.feedback.get(`${f.projectId}/${f.id}`);
    if (!held || held.issueId) return false;
    held.issueId = issueId;
    return true;
  }
  async countIssueFeedback(issueId: string) {
    this.writes.push('countIssueFeedback');
    this.issueFeedbackCounts.set(issueId, (this.issueFeedbackCounts.get(issueId) ?? 0) + 1);
  }
  async listProjectFeedback(projectId: string) {
    return [...this.feedback.values()].filter((f) => f.projectId === projectId);
  }
  async listIssueFeedback(issueId: string) {
    return [...this.feedback.values()].filter((f) => f.issueId === issueId);
  }
  async addSessionCounts(projectId: string, release: string, environment: string, c: SessionCounts, seenAt: string) {
    this.writes.push('addSessionCounts');
    const k = `${projectId}/${release}/${environment}`;
    const r = this.releases.get(k) ?? { release, environment, started: 0, errored: 0, crashed: 0, abnormal: 0, firstSeen: seenAt, lastSeen: seenAt };
    r.started += c.started;
    r.errored += c.errored;
    r.crashed += c.crashed;
    r.abnormal += c.abnormal;
    r.lastSeen = seenAt;
    this.releases.set(k, r);
  }
  async markSession(projectId: string, sid: string, states: Array<'errored' | 'crashed' | 'abnormal'>) {
    this.writes.push('markSession');
    const k = `${projectId}/${sid}`;
    const seen = this.sessions.get(k) ?? new Set<string>();
    const fresh = states.filter((s) => !seen.has(s));
    for (const s of states) seen.add(s);
    this.sessions.set(k, seen);
    return fresh;
  }
  async listReleaseHealth() {
    return [...this.releases.values()];
  }
}
