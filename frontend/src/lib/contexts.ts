/**
 * Event contexts (https://develop.sentry.dev/sdk/data-model/event-payloads/contexts/)
 * as readable cards: a title, a one-line summary and labelled rows, known
 * contexts first in the order a reader looks for them.
 */

export interface ContextCard {
  alias: string;
  type: string;
  title: string;
  /** "Chrome 120.0", "iPhone 15 (iOS)": what the context says in a few words. */
  summary: string;
  rows: Array<[label: string, value: unknown]>;
}

const TITLES: Record<string, string> = {
  browser: 'Browser',
  os: 'Operating system',
  client_os: 'Client OS',
  device: 'Device',
  runtime: 'Runtime',
  app: 'App',
  gpu: 'GPU',
  culture: 'Locale',
  cloud_resource: 'Cloud',
  response: 'Response',
  trace: 'Trace',
  state: 'State',
  profile: 'Profile',
  replay: 'Replay',
  feedback: 'Feedback',
};

/** The order of the well-known contexts; others follow in the SDK's order. */
const ORDER = ['browser', 'os', 'client_os', 'device', 'runtime', 'app', 'gpu', 'culture', 'cloud_resource', 'trace'];

/** Labels of fields whose snake_case does not read well as words. */
const LABELS: Record<string, string> = {
  kernel_version: 'Kernel version',
  raw_description: 'Raw description',
  memory_size: 'Memory',
  free_memory: 'Free memory',
  usable_memory: 'Usable memory',
  storage_size: 'Storage',
  free_storage: 'Free storage',
  external_storage_size: 'External storage',
  external_free_storage: 'External free storage',
  boot_time: 'Boot time',
  screen_resolution: 'Screen resolution',
  screen_density: 'Screen density',
  screen_dpi: 'Screen DPI',
  processor_count: 'Processors',
  processor_frequency: 'Processor frequency (MHz)',
  cpu_description: 'CPU',
  app_start_time: 'App start time',
  app_identifier: 'App identifier',
  app_name: 'App name',
  app_version: 'App version',
  app_build: 'App build',
  app_memory: 'App memory',
  device_app_hash: 'Device app hash',
  build_type: 'Build type',
  in_foreground: 'In foreground',
  trace_id: 'Trace ID',
  span_id: 'Span ID',
  parent_span_id: 'Parent span ID',
  op: 'Operation',
  api_type: 'API',
  vendor_name: 'Vendor',
  vendor_id: 'Vendor ID',
  memory_type: 'Memory type',
  npot_support: 'NPOT support',
  multi_threaded_rendering: 'Multi-threaded rendering',
  is_24_hour_format: '24-hour format',
  rooted: 'Rooted',
  simulator: 'Simulator',
  online: 'Online',
  charging: 'Charging',
  battery_level: 'Battery level',
  low_memory: 'Low memory',
};

/** Fields Sentry documents as byte counts. */
const BYTE_FIELDS = new Set(['memory_size', 'free_memory', 'usable_memory', 'storage_size', 'free_storage', 'external_storage_size', 'external_free_storage', 'app_memory']);

export function fieldLabel(key: string): string {
  if (LABELS[key]) return LABELS[key]!;
  const words = key.replace(/([a-z])([A-Z])/g, '$1 $2').replace(/[_.]/g, ' ').trim();
  return words ? words[0]!.toUpperCase() + words.slice(1) : key;
}

/** 8 GiB, 512 MiB: binary units, as device memory is reported. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${u === 0 ? v : +v.toFixed(1)} ${units[u]}`;
}

function fieldValue(key: string, value: unknown): unknown {
  if (BYTE_FIELDS.has(key) && typeof value === 'number' && Number.isFinite(value)) return bytes(value);
  if (key === 'battery_level' && typeof value === 'number') return `${+value.toFixed(0)} %`;
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  return value;
}

const text = (v: unknown) => (typeof v === 'string' || typeof v === 'number' ? String(v).trim() : '');

function summaryOf(type: string, c: Record<string, unknown>): string {
  const nameVersion = [text(c['name']), text(c['version'])].filter(Boolean).join(' ');
  switch (type) {
    case 'device': {
      const model = text(c['model']) || text(c['name']) || text(c['family']);
      const family = text(c['family']);
      return model && family && family !== model ? `${model} (${family})` : model;
    }
    case 'app':
      return [text(c['app_name']), text(c['app_version'])].filter(Boolean).join(' ');
    case 'gpu':
      return [text(c['vendor_name']), text(c['name'])].filter(Boolean).join(' ');
    case 'culture':
      return text(c['locale']) || text(c['timezone']);
    case 'trace':
      // A trace id is long and already a row; the operation says more.
      return text(c['op']);
    default:
      return nameVersion || text(c['raw_description']);
  }
}

/** Cards for the event's contexts. The `type` field is shown in the title, not as a row. */
export function contextCards(contexts: Record<string, unknown> | null | undefined): ContextCard[] {
  const cards: ContextCard[] = [];
  for (const [alias, raw] of Object.entries(contexts ?? {})) {
    if (!raw || typeof raw !== 'object' || Array.isArray(raw)) continue;
    const c = raw as Record<string, unknown>;
    const type = typeof c['type'] === 'string' && c['type'] ? c['type'] : alias;
    const rows: Array<[string, unknown]> = [];
    for (const [k, v] of Object.entries(c)) {
      if (k === 'type' || v === null || v === undefined || v === '') continue;
      rows.push([fieldLabel(k), fieldValue(k, v)]);
    }
    const title = TITLES[alias] ?? (alias === type ? TITLES[type] : undefined) ?? fieldLabel(alias);
    cards.push({ alias, type, title, summary: summaryOf(type, c), rows });
  }
  const rank = (card: ContextCard) => {
    const i = ORDER.indexOf(card.alias);
    const j = ORDER.indexOf(card.type);
    return i >= 0 ? i : j >= 0 ? j + 0.5 : ORDER.length;
  };
  return cards.map((card, i) => ({ card, i })).sort((a, b) => rank(a.card) - rank(b.card) || a.i - b.i).map(({ card }) => card);
}
