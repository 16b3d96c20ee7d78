/**
 * One action at a time on a panel: `busy` while it runs, so the panel's
 * buttons disable and a double click cannot send it twice, and `problem`, the
 * message of its failure for the panel's alert line (cleared by the next action).
 */
export class PendingAction {
  busy = $state(false);
  problem = $state('');

  async run(action: () => Promise<unknown>): Promise<void> {
    this.busy = true;
    this.problem = '';
    try {
      await action();
    } catch (e) {
      this.problem = e instanceof Error ? e.message : String(e);
    } finally {
      this.busy = false;
    }
  }
}
