import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { TagDistribution } from '$lib/types.ts';
import TagsPanel from './TagsPanel.svelte';

const tag = (key: string, value = 'v', count = 1): TagDistribution => ({ key, name: key, totalValues: count, topValues: [{ value, count }] });

describe('TagsPanel', () => {
  it('leads with the tags readers look for, shows eight, and the rest on demand', async () => {
    const keys = ['zeta', 'alpha', 'level', 'browser', 'environment', 'release', 'os', 'handled', 'custom', 'user'];
    render(TagsPanel, { props: { tags: keys.map((k) => tag(k)), searchHref: (k: string, v: string) => `/search?${k}=${v}` } });
    const headings = () => screen.getAllByRole('heading', { level: 3 }).map((h) => h.textContent);
    expect(headings()).toEqual(['environment', 'release', 'browser', 'os', 'user', 'handled', 'level', 'alpha']);
    await fireEvent.click(screen.getByRole('button', { name: 'Show 2 more tags' }));
    expect(headings()).toEqual(['environment', 'release', 'browser', 'os', 'user', 'handled', 'level', 'alpha', 'custom', 'zeta']);
    expect(screen.getAllByRole('link')[0]!.getAttribute('href')).toBe('/search?environment=v');
  });

  it('shows values with their share, as text', () => {
    render(TagsPanel, { props: { tags: [{ key: 'browser', name: 'Browser', totalValues: 4, topValues: [{ value: '<i>Chrome</i>', count: 3 }, { value: 'Firefox', count: 1 }] }], searchHref: () => '#' } });
    expect(screen.getByText('<i>Chrome</i>')).toBeTruthy();
    expect(screen.getByText('75%')).toBeTruthy();
    expect(screen.queryByRole('button')).toBeNull();
  });

  it('shows the events no shown value accounts for as Other, without a search link', () => {
    const tags: TagDistribution[] = [
      { key: 'user', name: 'User', totalValues: 120, topValues: [{ value: 'id:1', count: 40 }, { value: 'id:2', count: 8 }] },
      { key: 'level', name: 'Level', totalValues: 3, topValues: [{ value: 'error', count: 3 }] },
    ];
    render(TagsPanel, { props: { tags, searchHref: () => '#' } });
    const other = screen.getByText('Other').closest('li')!;
    expect(other.textContent).toContain('60%');
    expect(other.getAttribute('title')).toBe('72 events');
    expect(other.querySelector('a')).toBeNull();
    expect(screen.getAllByText('Other')).toHaveLength(1);
  });
});
