import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { Breadcrumb } from '../types.ts';
import Breadcrumbs from './Breadcrumbs.svelte';
import { crumbs } from './fixtures.ts';

describe('Breadcrumbs', () => {
  it('lists the newest crumb first with its time, category, message and data', () => {
    render(Breadcrumbs, { props: { breadcrumbs: crumbs } });
    const items = screen.getAllByTestId('breadcrumb');
    expect(items.map((li) => li.querySelector('.cat')!.textContent)).toEqual(['console', 'xhr', 'navigation']);
    expect(items[0]!.querySelector('time')!.textContent).toBe('10:00:02.250');
    expect(items[0]!.querySelector('.msg')!.textContent).toBe('retrying payment');
    expect(items[0]!.classList.contains('level-warning')).toBe(true);
    const data = [...items[1]!.querySelectorAll('dt')].map((dt) => [dt.textContent, dt.nextElementSibling!.textContent]);
    expect(data).toEqual([
      ['method', 'POST'],
      ['url', 'https://api.example.com/pay'],
      ['status_code', '500'],
    ]);
    expect(items[1]!.querySelector('a')!.getAttribute('href')).toBe('https://api.example.com/pay');
  });

  it('filters by text', async () => {
    render(Breadcrumbs, { props: { breadcrumbs: crumbs } });
    await fireEvent.input(screen.getByRole('searchbox', { name: 'Filter breadcrumbs' }), { target: { value: 'checkout' } });
    const items = screen.getAllByTestId('breadcrumb');
    expect(items).toHaveLength(1);
    expect(items[0]!.querySelector('.cat')!.textContent).toBe('navigation');
    expect(screen.getByText('1 of 3')).toBeTruthy();
  });

  it('shows the newest few and the rest on request', async () => {
    const many: Breadcrumb[] = Array.from({ length: 15 }, (_, i) => ({ message: `step ${i}`, category: 'log' }));
    render(Breadcrumbs, { props: { breadcrumbs: many, initialCount: 10 } });
    expect(screen.getAllByTestId('breadcrumb')).toHaveLength(10);
    expect(screen.getAllByTestId('breadcrumb')[0]!.textContent).toContain('step 14');
    await fireEvent.click(screen.getByRole('button', { name: 'Show 5 older' }));
    expect(screen.getAllByTestId('breadcrumb')).toHaveLength(15);
  });

  it('never turns crumb content into markup or script links', () => {
    const hostile: Breadcrumb[] = [
      {
        category: '<script>alert(1)</script>',
        message: '<img src=x onerror=alert(2)>',
        data: { url: 'javascript:alert(3)', to: 'JaVaScRiPt:alert(4)', from: 'data:text/html,<script>alert(5)</script>' },
      },
    ];
    const { container } = render(Breadcrumbs, { props: { breadcrumbs: hostile } });
    expect(container.querySelector('script, img')).toBeNull();
    expect(container.querySelector('a')).toBeNull();
    expect(container.textContent).toContain('<script>alert(1)</script>');
    expect(container.textContent).toContain('javascript:alert(3)');
  });
});
