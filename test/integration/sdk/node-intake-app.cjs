// @sentry/node sending what travels beside errors: attachments, user feedback,
// release-health sessions and client reports. Prints every response it got
// from the server (status and rate-limit headers) as JSON on stdout.
const Sentry = require('@sentry/node');

const responses = [];
const mode = process.env.MODE ?? 'intake';

Sentry.init({
  dsn: process.env.SENTRY_DSN,
  release: 'intake-app@2.0.0',
  environment: 'test',
  sendClientReports: true,
  tracesSampleRate: 1,
  beforeSend(event) {
    return event.tags && event.tags.drop === 'yes' ? null : event;
  },
  transport: (options) => {
    const inner = Sentry.makeNodeTransport(options);
    return {
      async send(envelope) {
        const res = await inner.send(envelope);
        responses.push({ items: envelope[1].map((i) => i[0].type), statusCode: res.statusCode, headers: res.headers ?? {} });
        return res;
      },
      flush: (t) => inner.flush(t),
    };
  },
});

async function intake() {
  const binary = Buffer.from([0, 1, 2, 10, 13, 255, 254, 0x7b, 0x0a, 0x7d, 128, 10]);
  // Session 1: a handled error, then a normal end (errored, not crashed).
  Sentry.startSession();
  const eventId = Sentry.withScope((scope) => {
    scope.addAttachment({ filename: 'report.bin', data: binary, contentType: 'application/octet-stream' });
    scope.addAttachment({ filename: 'notes.txt', data: 'first line\nsecond line\n' });
    return Sentry.captureException(new TypeError('intake: attachment test'));
  });
  // Events are processed asynchronously: the session learns of the error once it is sent.
  await Sentry.flush(5000);
  Sentry.captureFeedback({ message: 'It broke when I clicked save', name: 'Ada', email: 'ada@example.com', associatedEventId: eventId });
  Sentry.withScope((scope) => {
    scope.setTag('drop', 'yes');
    Sentry.captureMessage('dropped by beforeSend');
  });
  Sentry.endSession();
  // A transaction: accepted and dropped on purpose (Ferret keeps errors), counted as filtered.
  Sentry.startSpan({ name: 'checkout' }, () => undefined);
  // Session 2: healthy.
  Sentry.startSession();
  Sentry.endSession();
  // Session 3: an unhandled error crashes it.
  Sentry.startSession();
  Sentry.captureException(new RangeError('intake: crash test'), { mechanism: { type: 'onuncaughtexception', handled: false } });
  await Sentry.flush(5000);
  Sentry.endSession();
  await Sentry.flush(5000);
  return { eventId };
}

async function limited() {
  Sentry.captureException(new Error('quota: first'));
  await Sentry.flush(5000);
  // The SDK now holds back errors until Retry-After; it reports the drop in a client report.
  Sentry.captureException(new Error('quota: second'));
  await Sentry.flush(5000);
  return {};
}

(mode === 'limited' ? limited() : intake()).then(async (out) => {
  // Client reports go out on flush without being awaited by it: one more flush lets their answer arrive.
  await Sentry.flush(5000);
  await new Promise((r) => setTimeout(r, 200));
  process.stdout.write(JSON.stringify({ ...out, responses }) + '\n');
});
