// A small Node app instrumented with @sentry/node, as a user would write it.
const Sentry = require('@sentry/node');

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: 'node-app@1.0.0',
  environment: 'test',
  includeLocalVariables: true,
});

function foo(m, n) {
  const h = m / n - m;
  if (h === 0) throw new RangeError(`division by zero in foo(${m}, ${n})`);
  return m / h;
}

async function main() {
  // Local variables are collected by an inspector session that starts asynchronously.
  await new Promise((r) => setTimeout(r, 1500));
  try {
    foo(10, 1);
  } catch (err) {
    Sentry.setUser({ id: 'user-42' });
    Sentry.captureException(err);
  }
  await Sentry.flush(5000);
}

main();
