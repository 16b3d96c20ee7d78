import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import type { Stacktrace } from '../types.ts';
import ExceptionEntry from './ExceptionEntry.svelte';
import StackTrace from './StackTrace.svelte';
import { hostileFrame, zeroDivision } from './fixtures.ts';

const stack = zeroDivision.stacktrace as Stacktrace;

function frameTitles(container: HTMLElement): string[] {
  return [...container.querySelectorAll('li.frame .head .loc')].map((el) => el.textContent!.replace(/\s+/g, ' ').trim());
}

describe('StackTrace', () => {
  it('shows the crashing frame first by default, though SDKs send it last', () => {
    const { container } = render(StackTrace, { props: { stacktrace: stack, crashed: true } });
    const titles = frameTitles(container);
    expect(titles[0]).toBe('app.py in foo at line 8:12');
    expect(titles[1]).toBe('app.py in main at line 14');
    expect(container.querySelector('li.frame.crashed .fn')!.textContent).toBe('foo');
  });

  it('keeps the SDK order when asked for the oldest call first', () => {
    const { container } = render(StackTrace, { props: { stacktrace: stack, newestFirst: false } });
    expect(frameTitles(container)).toEqual(['app.py in main at line 14', 'app.py in foo at line 8:12']);
  });

  it('expands in-app frames with their source and variables, and folds library frames', async () => {
    const { container } = render(StackTrace, { props: { stacktrace: stack } });
    const appFrames = container.querySelectorAll('li.frame[data-in-app="true"]');
    expect(appFrames).toHaveLength(2);
    for (const f of appFrames) expect(f.querySelector('.head')!.getAttribute('aria-expanded')).toBe('true');
    expect(container.querySelector('li.frame[data-in-app="false"]')).toBeNull();
    const vars = within(appFrames[0] as HTMLElement).getByRole('table');
    expect(within(vars).getByText('h').closest('tr')!.querySelector('td')!.textContent).toBe('0');

    await fireEvent.click(screen.getByRole('button', { name: 'Show 2 library frames' }));
    const library = container.querySelectorAll('li.frame[data-in-app="false"]');
    expect(library).toHaveLength(2);
    expect(library[0]!.querySelector('.head')!.getAttribute('aria-expanded')).toBe('false');
    expect(library[0]!.querySelector('.context')).toBeNull();

    await fireEvent.click(library[0]!.querySelector('.head')!);
    expect(library[0]!.querySelector('.context li.active')!.textContent).toContain('return target(*args)');
  });

  it('collapses and re-expands a frame on click', async () => {
    const { container } = render(StackTrace, { props: { stacktrace: stack } });
    const head = container.querySelector<HTMLButtonElement>('li.frame .head')!;
    await fireEvent.click(head);
    expect(head.getAttribute('aria-expanded')).toBe('false');
    expect(container.querySelector('li.frame')!.querySelector('.context')).toBeNull();
    await fireEvent.click(head);
    expect(container.querySelector('li.frame .context')).not.toBeNull();
  });

  it('shows every frame in the full view', () => {
    const { container } = render(StackTrace, { props: { stacktrace: stack, view: 'full' } });
    expect(container.querySelectorAll('li.frame')).toHaveLength(4);
    expect(screen.queryByRole('button', { name: /library frame/ })).toBeNull();
  });

  it('shows all frames, the crashing one open, when none is in-app', () => {
    const frames = stack.frames.map((f) => ({ ...f, inApp: false }));
    const { container } = render(StackTrace, { props: { stacktrace: { frames } } });
    const heads = [...container.querySelectorAll('li.frame .head')];
    expect(heads).toHaveLength(4);
    expect(heads.map((h) => h.getAttribute('aria-expanded'))).toEqual(['true', 'false', 'false', 'false']);
  });

  it('renders a plain-text traceback in the raw view', () => {
    render(StackTrace, { props: { stacktrace: stack, view: 'raw', rawTitle: 'ZeroDivisionError: division by zero' } });
    const raw = screen.getByTestId('raw-stacktrace').textContent!;
    expect(raw.split('\n').slice(0, 3)).toEqual([
      'ZeroDivisionError: division by zero',
      '  at foo (app.py:8:12)',
      '    return m / h',
    ]);
  });

  it('renders hostile file names, functions, source and variables as inert text', () => {
    const { container } = render(StackTrace, { props: { stacktrace: { frames: [hostileFrame] }, view: 'full' } });
    expect(container.querySelector('script, img, b')).toBeNull();
    expect(container.querySelector('a')).toBeNull();
    expect(container.querySelector('[onerror]')).toBeNull();
    expect(container.textContent).toContain('<img src=x onerror=alert(1)>');
    expect(container.textContent).toContain('<script>alert("file")</script>.js');
    expect(container.textContent).toContain('location.href = "javascript:alert(2)"');
  });
});

describe('ExceptionEntry', () => {
  const cause = { type: 'KeyError', value: "'user'", stacktrace: { frames: [{ filename: 'db.py', function: 'load', lineNo: 3, inApp: true }] } };

  it('lists the outermost exception first and its cause below', () => {
    render(ExceptionEntry, { props: { values: [cause, zeroDivision] } });
    const sections = screen.getAllByRole('region');
    expect(sections.map((s) => s.querySelector('h3 .type')!.textContent)).toEqual(['ZeroDivisionError', 'KeyError']);
    expect(within(sections[1]!).getByText('Caused by')).toBeTruthy();
    expect(within(sections[0]!).getByText('logging · handled')).toBeTruthy();
  });

  it('switches every stack trace to the raw view', async () => {
    render(ExceptionEntry, { props: { values: [zeroDivision] } });
    await fireEvent.click(screen.getByRole('button', { name: 'Raw' }));
    expect(screen.getByTestId('raw-stacktrace').textContent).toMatch(/^ZeroDivisionError: division by zero\n {2}at foo/);
  });

  it('flips the frame order with the order toggle', async () => {
    const { container } = render(ExceptionEntry, { props: { values: [zeroDivision] } });
    await fireEvent.click(screen.getByRole('button', { name: 'Newest call first' }));
    expect(frameTitles(container)[0]).toBe('app.py in main at line 14');
  });
});
