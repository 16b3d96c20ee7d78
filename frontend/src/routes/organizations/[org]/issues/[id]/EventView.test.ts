import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { Event, IssueDetail } from '$lib/types.ts';
import { crumbs, zeroDivision } from '$lib/components/fixtures.ts';
import EventView from './EventView.svelte';

const issue = {
  id: '1',
  shortId: 'WEB-1',
  title: 'ZeroDivisionError: division by zero',
  culprit: 'app in foo',
  level: 'error',
  status: 'unresolved',
  count: '3',
  userCount: 1,
  firstSeen: '2025-11-24T09:00:00Z',
  lastSeen: '2025-11-24T10:00:00Z',
  permalink: '',
  type: 'error',
  metadata: {},
  project: { id: '42', slug: 'web', name: 'web' },
  firstRelease: null,
  lastRelease: null,
} satisfies IssueDetail;

const event: Event = {
  id: 'e1',
  eventID: 'e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1e1',
  dateCreated: '2025-11-24T10:00:00Z',
  title: issue.title,
  tags: [{ key: 'server_name', value: '<b>web 1</b>' }],
  release: { version: '1.0.1' },
  environment: 'production',
  sdk: { name: 'sentry.python', version: '2.40.0' },
  user: { id: '7', email: 'ada@example.com', ip_address: null },
  contexts: { runtime: { type: 'runtime', name: 'CPython', version: '3.12' } },
  previousEventID: 'e0e0',
  nextEventID: null,
  entries: [
    { type: 'exception', data: { values: [zeroDivision] } },
    { type: 'breadcrumbs', data: { values: crumbs } },
    { type: 'request', data: { url: 'javascript:alert(1)', method: 'GET' } },
    { type: 'future-entry', data: { anything: true } },
  ],
};

describe('EventView', () => {
  it('shows the exception, breadcrumbs, request, user, contexts and release of the event', () => {
    render(EventView, { props: { event, issue, which: 'latest' } });
    for (const name of ['Exception', 'Breadcrumbs', 'Request', 'User', 'Contexts', 'Tags']) {
      expect(screen.getByRole('heading', { level: 2, name })).toBeTruthy();
    }
    const facts = screen.getByLabelText('Event facts');
    const fact = (name: string) => [...facts.querySelectorAll('div')].find((d) => d.querySelector('dt')?.textContent === name)?.querySelector('dd')?.textContent?.trim();
    expect(fact('Release')).toBe('1.0.1');
    expect(fact('Environment')).toBe('production');
    expect(fact('SDK')).toBe('sentry.python 2.40.0');
    expect(screen.getByText('ada@example.com')).toBeTruthy();
    // Contexts read as titled cards with a summary; user fields with readable labels.
    const runtime = screen.getByRole('region', { name: 'Runtime' });
    expect(runtime.querySelector('h3')!.textContent).toContain('CPython 3.12');
    const userTable = screen.getByRole('heading', { level: 2, name: 'User' }).parentElement!;
    expect([...userTable.querySelectorAll('th')].map((th) => th.textContent)).toEqual(['ID', 'Email']);
    const sdk = screen.getByRole('heading', { level: 2, name: 'SDK' }).parentElement!;
    expect(sdk.textContent).toContain('sentry.python');
    expect(sdk.textContent).toContain('2.40.0');
  });

  it('links a tag to the issue events that carry it', () => {
    render(EventView, { props: { event, issue, which: 'latest' } });
    const tag = screen.getByRole('link', { name: /server_name/ });
    expect(tag.getAttribute('href')).toBe(`/organizations/acme/issues/1/events/?query=${encodeURIComponent('server_name:"<b>web 1</b>"')}`);
  });

  it('links older and latest events and disables newer when there is none', () => {
    render(EventView, { props: { event, issue, which: 'latest' } });
    expect(screen.getByRole('link', { name: 'Older' }).getAttribute('href')).toBe('/organizations/acme/issues/1/events/e0e0/');
    expect(screen.getByRole('link', { name: 'Latest' }).getAttribute('href')).toBe('/organizations/acme/issues/1/events/latest/');
    expect((screen.getByRole('button', { name: 'Newer' }) as HTMLButtonElement).disabled).toBe(true);
    // p steps to the older event (the keyboard help lists it).
    expect(screen.getByRole('link', { name: 'Older' }).getAttribute('data-shortcut')).toBe('p');
  });

  it('shows the raw event JSON, unknown entries included, as text', async () => {
    render(EventView, { props: { event, issue, which: 'latest' } });
    await fireEvent.click(screen.getByRole('button', { name: 'JSON' }));
    const json = screen.getByLabelText('Event JSON').textContent!;
    expect(JSON.parse(json)).toEqual(event);
  });

  it('never renders event strings as markup or script links', () => {
    const { container } = render(EventView, { props: { event, issue, which: 'latest' } });
    expect(container.querySelector('b, script')).toBeNull();
    expect([...container.querySelectorAll('a')].some((a) => /^\s*javascript:/i.test(a.getAttribute('href') ?? ''))).toBe(false);
    expect(container.textContent).toContain('<b>web 1</b>');
  });

  it('says so when the issue has no stored event', () => {
    render(EventView, { props: { event: null, issue, which: 'latest' } });
    expect(screen.getByText(/No event of this issue is stored/)).toBeTruthy();
  });
});
