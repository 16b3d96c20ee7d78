// The legacy raven-node 2.x client as a user would have written it: it posts
// base64(zlib(json)) to /store/ with X-Sentry-Auth v5.
const Raven = require('raven');

Raven.config(process.env.SENTRY_DSN, {
  release: 'raven-app@0.9.1',
  environment: 'legacy',
  tags: { runtime: 'raven' },
  autoBreadcrumbs: false,
  captureUnhandledRejections: false,
}).install();

function loadInvoice(invoiceId) {
  const record = undefined;
  return record.lines[invoiceId];
}

function capture(fn) {
  return new Promise((resolve, reject) => fn((err, eventId) => (err ? reject(err) : resolve(eventId))));
}

async function main() {
  // setContext would replace the tags given to config(); mergeContext keeps them.
  Raven.mergeContext({ user: { id: 'raven-user-3', username: 'grace' } });
  try {
    loadInvoice(17);
  } catch (err) {
    await capture((done) => Raven.captureException(err, { tags: { area: 'billing' } }, done));
  }
  await capture((done) => Raven.captureMessage('raven says the nightly export finished late', { level: 'warning' }, done));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
