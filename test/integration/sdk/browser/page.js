// Page code instrumented with @sentry/browser (loaded before this file as the
// global `Sentry`), served unbundled so frames name this file and its lines.
const params = new URLSearchParams(location.search);
const variant = params.get('variant');

Sentry.init({
  dsn: params.get('dsn'),
  release: 'web-app@4.5.6',
  environment: 'browser-test',
  // A custom header is not CORS-safelisted: every POST then needs a preflight.
  transportOptions: variant === 'preflight' ? { headers: { 'x-ferret-trace': 'on' } } : {},
});
Sentry.setUser({ id: 'web-user-1' });
Sentry.setTag('variant', variant);

function applyCoupon(cart, code) {
  if (!cart.coupons.includes(code)) {
    throw new RangeError(`coupon ${code} is not valid for cart ${cart.id}`);
  }
  return cart;
}

function submitCart() {
  return applyCoupon({ id: 7, coupons: [] }, 'SPRING');
}

function renderTotals() {
  const totals = null;
  return totals.amount;
}

async function scenario() {
  try {
    submitCart();
  } catch (error) {
    Sentry.captureException(error);
  }
  Sentry.captureMessage(`checkout page loaded slowly (${variant})`, 'warning');
  try {
    loadProfile();
  } catch (error) {
    Sentry.captureException(error);
  }
  // Nobody catches this one: the SDK's wrapped setTimeout reports it as unhandled.
  setTimeout(() => renderTotals());
  await new Promise((resolve) => setTimeout(resolve, 200));
  return Sentry.flush(5000);
}

window.scenarioDone = scenario();

function parseProfile(text) {
  return JSON.parse(text);
}

function loadProfile() {
  try {
    return parseProfile('{"name": ');
  } catch (error) {
    throw new Error('profile could not be loaded', { cause: error });
  }
}
