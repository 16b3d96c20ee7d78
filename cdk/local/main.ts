/**
 * `npm start`: runs the whole product on this machine and prints how to use it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DataDirInUseError } from './emulators.ts';
import { REPO_ROOT, startLocalStack } from './stack.ts';

const started = performance.now();
// The portal is served from its static build, as CloudFront serves it; the first start makes it.
if (!existsSync(join(REPO_ROOT, 'frontend', 'build', 'index.html'))) {
  console.log('  Building the portal (first start only; `npm run build:portal` rebuilds it)…');
  const build = spawnSync('npm', ['run', 'build:portal'], { cwd: REPO_ROOT, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}
const stack = await startLocalStack().catch((e: unknown) => {
  // What a user can fix is said in one line; anything else keeps its stack trace.
  if (e instanceof DataDirInUseError) console.error(`\n  ${e.message}\n`);
  else if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') console.error(`\n  Port ${process.env['PORT'] ?? 8787} is in use. Stop what holds it, or set PORT to another one.\n`);
  else throw e;
  process.exit(1);
});
const seconds = ((performance.now() - started) / 1000).toFixed(1);
const queued = (counts: { events: number; 'dead-letter': number }) =>
  [counts.events ? `${counts.events} queued for grouping` : '', counts['dead-letter'] ? `${counts['dead-letter']} in the dead-letter queue` : ''].filter(Boolean).join(', ');
const restored = queued(stack.restored);

console.log(`
  Ferret is running (started in ${seconds} s)

  DSN          ${stack.dsn}
  Portal       ${stack.url}/
  Sign-in      ${stack.token}
  Mail inbox   ${stack.sesInboxUrl}

  Try it:      SENTRY_DSN=${stack.dsn} node -e "const S=require('@sentry/node');S.init({dsn:process.env.SENTRY_DSN});S.captureException(new Error('hello Ferret'));S.flush(2000)"
  Settings     ${stack.dataDir}/local.json
  Stop with Ctrl-C; data under ${stack.dataDir} is kept.
${restored ? `\n  Back from the last run: ${restored}.\n` : ''}`);

/** A second Ctrl-C within this time is the first one again, not a request to quit at once. */
const REPEATED_SIGNAL_MS = 1500;
let stoppingSince = 0;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    // One Ctrl-C often arrives twice: the terminal signals the whole process group, and the
    // TypeScript runner relays it to this process once more. Only a later one quits without
    // keeping what the queues hold.
    if (stoppingSince) {
      if (Date.now() - stoppingSince > REPEATED_SIGNAL_MS) process.exit(1);
      return;
    }
    stoppingSince = Date.now();
    console.log('\n  Stopping… (Ctrl-C again to quit without keeping queued events)');
    const { saved } = await stack.stop();
    const kept = queued(saved);
    if (kept) console.log(`  Kept for the next start: ${kept}.`);
    process.exit(0);
  });
}
