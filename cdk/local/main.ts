/**
 * `npm start`: runs the whole product on this machine and prints how to use it.
 */
import { startLocalStack } from './stack.ts';

const started = performance.now();
const stack = await startLocalStack();
const seconds = ((performance.now() - started) / 1000).toFixed(1);

console.log(`
  Ferret is running (started in ${seconds} s)

  DSN          ${stack.dsn}
  Portal       ${stack.url}/
  Sign-in      ${stack.token}
  Mail inbox   ${stack.sesInboxUrl}

  Try it:      SENTRY_DSN=${stack.dsn} node -e "const S=require('@sentry/node');S.init({dsn:process.env.SENTRY_DSN});S.captureException(new Error('hello Ferret'));S.flush(2000)"
  Settings     ${stack.dataDir}/local.json
  Stop with Ctrl-C; data under ${stack.dataDir} is kept.
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log('\n  Stopping…');
    await stack.stop();
    process.exit(0);
  });
}
