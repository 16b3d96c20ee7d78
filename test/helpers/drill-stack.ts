/**
 * A local stack for drills that run the grouping step themselves, with ports
 * of their choosing (a crashing store, a failing mailer): the stack's own
 * handlers and emulators, and a grouper built like `functions/group.ts` builds
 * its own, from the environment the stack set.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_NAMES } from '#cdk/local/emulators.ts';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '#cdk/local/stack.ts';
import { DynamoStore } from '#functions/lib/dynamo.ts';
import type { GroupDeps } from '#shared/pipeline/group.ts';

export interface DrillStack {
  stack: LocalStack;
  store: DynamoStore;
  projectId: string;
  /** The grouping handler's module, loaded after the stack set the environment it reads. */
  groupModule: typeof import('#functions/group.ts');
  /** A grouper with the handler's ports, but for `overrides`. */
  grouper(overrides: Partial<GroupDeps>): ReturnType<typeof import('#shared/pipeline/group.ts').createGrouper>;
  stop(): Promise<void>;
}

export async function startDrillStack(name: string, options: LocalStackOptions = {}): Promise<DrillStack> {
  const dataDir = mkdtempSync(join(tmpdir(), `ferret-${name}-`));
  const stack = await startLocalStack({ dataDir, port: 0, quiet: true, ...options });
  const groupModule = await import('#functions/group.ts');
  const groupingModule = await import('#shared/pipeline/group.ts');
  return {
    stack,
    store: new DynamoStore(LOCAL_NAMES.table),
    projectId: stack.installation.projectId,
    groupModule,
    grouper: (overrides) => groupingModule.createGrouper(groupModule.groupDepsFromEnv({ log: () => undefined, ...overrides })),
    async stop() {
      await stack.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
