import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import FrameContext from './FrameContext.svelte';
import Variables from './Variables.svelte';
import { hostileFrame } from './fixtures.ts';

describe('FrameContext', () => {
  it('shows the lines before and after with the error line highlighted', () => {
    const { container } = render(FrameContext, {
      props: {
      context: [
        [6, '    h = m / n - m'],
        [7, '    # h is zero here'],
        [8, '    return m / h'],
        [9, ''],
      ],
      lineNo: 8,
      },
    });
    const items = [...container.querySelectorAll('li')];
    expect(items.map((li) => li.dataset.line)).toEqual(['6', '7', '8', '9']);
    const active = container.querySelectorAll('li.active');
    expect(active).toHaveLength(1);
    expect(active[0]!.textContent).toContain('return m / h');
    expect(active[0]!.getAttribute('aria-current')).toBe('true');
    expect(items[0]!.classList.contains('active')).toBe(false);
  });

  it('keeps the source indentation', () => {
    const { container } = render(FrameContext, { props: { context: [[3, '        deep()']], lineNo: 3 } });
    expect(container.querySelector('code')!.textContent).toBe('        deep()');
  });

  it('renders markup in source lines as inert text', () => {
    const { container } = render(FrameContext, { props: { context: hostileFrame.context!, lineNo: 2 } });
    expect(container.querySelector('script')).toBeNull();
    expect(container.textContent).toContain('<script>alert("ctx")</script>');
    expect(container.querySelector('a')).toBeNull();
  });
});

describe('Variables', () => {
  it('lists each variable with its value', () => {
    render(Variables, { props: { vars: { m: 10, n: 1, h: 0.0, s: 'text', nothing: null } } });
    const rows = screen.getAllByRole('row');
    const cells = rows.map((r) => [r.querySelector('th')!.textContent, r.querySelector('td')!.textContent]);
    expect(cells).toEqual([
      ['m', '10'],
      ['n', '1'],
      ['h', '0'],
      ['s', 'text'],
      ['nothing', 'null'],
    ]);
  });

  it('shows nested values as readable JSON', () => {
    render(Variables, { props: { vars: { opts: { retry: true, names: ['a'] } } } });
    const cell = screen.getByRole('row').querySelector('pre')!;
    expect(JSON.parse(cell.textContent!)).toEqual({ retry: true, names: ['a'] });
    expect(cell.textContent).toContain('\n');
  });

  it('renders hostile names and values as text, never markup or links', () => {
    const { container } = render(Variables, { props: { vars: hostileFrame.vars! } });
    expect(container.querySelector('script, b, a')).toBeNull();
    expect(container.textContent).toContain('<b>name</b>');
    expect(container.textContent).toContain('<script>alert("var")</script>');
    expect(container.textContent).toContain('javascript:alert(3)');
  });
});
