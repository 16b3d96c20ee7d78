import { render } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import RequestView from './RequestView.svelte';

describe('RequestView', () => {
  it('links an http URL and lists query, headers and body', () => {
    const { container } = render(RequestView, {
      props: {
        request: {
          url: 'https://shop.example.com/pay',
          method: 'POST',
          query: [['step', '2']],
          headers: [['User-Agent', 'curl/8']],
          data: { amount: 10 },
        },
      },
    });
    expect(container.querySelector('a')!.getAttribute('href')).toBe('https://shop.example.com/pay');
    expect(container.querySelector('.method')!.textContent).toBe('POST');
    const rows = [...container.querySelectorAll('tr')].map((tr) => [tr.querySelector('th')!.textContent, tr.querySelector('td')!.textContent!.trim()]);
    expect(rows).toEqual([
      ['step', '2'],
      ['User-Agent', 'curl/8'],
    ]);
    expect(JSON.parse(container.querySelector('.body')!.textContent!)).toEqual({ amount: 10 });
  });

  it('shows a javascript: URL and hostile headers as text, not as a link or markup', () => {
    const { container } = render(RequestView, {
      props: { request: { url: 'javascript:alert(document.cookie)', headers: [['X-Evil', '<script>alert(1)</script>']] } },
    });
    expect(container.querySelector('a')).toBeNull();
    expect(container.querySelector('script')).toBeNull();
    expect(container.textContent).toContain('javascript:alert(document.cookie)');
    expect(container.textContent).toContain('<script>alert(1)</script>');
  });
});
