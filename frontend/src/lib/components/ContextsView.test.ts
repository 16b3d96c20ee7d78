import { render } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { bytes, contextCards, fieldLabel } from '../contexts.ts';
import ContextsView from './ContextsView.svelte';

describe('contexts as readable cards', () => {
  it('orders known contexts, titles and summarizes them, and labels their fields', () => {
    const cards = contextCards({
      trace: { trace_id: 'abc', op: 'http.server' },
      runtime: { name: 'CPython', version: '3.11.4', type: 'runtime' },
      device: { model: 'iPhone14,3', family: 'iOS', memory_size: 6 * 1024 ** 3, simulator: false },
      browser: { name: 'Chrome', version: '120.0.0' },
      os: { name: 'Linux', kernel_version: '6.1.0', type: 'os' },
      custom_thing: { answer: 42 },
    });
    expect(cards.map((c) => c.alias)).toEqual(['browser', 'os', 'device', 'runtime', 'trace', 'custom_thing']);
    expect(cards.map((c) => [c.title, c.summary])).toEqual([
      ['Browser', 'Chrome 120.0.0'],
      ['Operating system', 'Linux'],
      ['Device', 'iPhone14,3 (iOS)'],
      ['Runtime', 'CPython 3.11.4'],
      ['Trace', 'http.server'],
      ['Custom thing', ''],
    ]);
    expect(cards[1]!.rows).toEqual([['Name', 'Linux'], ['Kernel version', '6.1.0']]);
    expect(cards[2]!.rows).toContainEqual(['Memory', '6 GiB']);
    expect(cards[2]!.rows).toContainEqual(['Simulator', 'no']);
  });

  it('places an aliased context by its type and skips non-objects', () => {
    const cards = contextCards({ extra_list: [1, 2], nothing: null, client_os: { type: 'os', name: 'Windows', version: '10' } });
    expect(cards).toHaveLength(1);
    expect(cards[0]).toMatchObject({ alias: 'client_os', type: 'os', title: 'Client OS', summary: 'Windows 10' });
  });

  it('formats labels and byte sizes', () => {
    expect(fieldLabel('screen_resolution')).toBe('Screen resolution');
    expect(fieldLabel('someCamelKey')).toBe('Some Camel Key');
    expect(bytes(512)).toBe('512 B');
    expect(bytes(1536)).toBe('1.5 KiB');
  });

  it('renders hostile context values as text', () => {
    const { container } = render(ContextsView, { props: { contexts: { browser: { name: '<img src=x onerror=alert(1)>', version: '1' } } } });
    expect(container.querySelector('img')).toBeNull();
    expect(container.querySelector('h3')!.textContent).toContain('<img src=x onerror=alert(1)> 1');
    expect(container.querySelector('[data-context="browser"]')).not.toBeNull();
  });
});
