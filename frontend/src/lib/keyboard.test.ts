import { afterEach, describe, expect, it, vi } from 'vitest';
import { focusedRowId, handleShortcut } from './keyboard.ts';

function press(key: string, target: EventTarget = document.body): { handled: boolean; event: KeyboardEvent } {
  const event = new KeyboardEvent('keydown', { key, cancelable: true });
  Object.defineProperty(event, 'target', { value: target });
  return { handled: handleShortcut(event), event };
}

afterEach(() => {
  document.body.innerHTML = '';
});

describe('keyboard shortcuts', () => {
  it('moves between list items with j and k, and / focuses the search box', () => {
    document.body.innerHTML = `<input data-search value="is:unresolved" /><ul>${[1, 2, 3].map((n) => `<li data-row data-id="${n}"><a href="#${n}" data-nav-item>${n}</a></li>`).join('')}</ul>`;
    const links = [...document.querySelectorAll('a')];
    expect(press('j').handled).toBe(true);
    expect(document.activeElement).toBe(links[0]);
    press('j');
    press('j');
    press('j');
    expect(document.activeElement).toBe(links[2]);
    press('k');
    expect(document.activeElement).toBe(links[1]);
    expect(focusedRowId()).toBe('2');
    const slash = press('/');
    expect(slash.handled && slash.event.defaultPrevented).toBe(true);
    const search = document.querySelector<HTMLInputElement>('[data-search]')!;
    expect(document.activeElement).toBe(search);
    // The query is selected: typing replaces it.
    expect([search.selectionStart, search.selectionEnd]).toEqual([0, 'is:unresolved'.length]);
  });

  it('clicks the enabled button bound to a key, such as r for Resolve', () => {
    document.body.innerHTML = `<button data-shortcut="r" disabled>Old</button><button data-shortcut="r">Resolve</button>`;
    const [disabled, resolve] = [...document.querySelectorAll('button')];
    const onDisabled = vi.fn();
    const onResolve = vi.fn();
    disabled!.addEventListener('click', onDisabled);
    resolve!.addEventListener('click', onResolve);
    expect(press('r').handled).toBe(true);
    expect(onResolve).toHaveBeenCalledTimes(1);
    expect(onDisabled).not.toHaveBeenCalled();
    expect(press('q').handled).toBe(false);
  });

  it('follows a link bound to a key, such as p for the older event', () => {
    document.body.innerHTML = `<a href="#older" data-shortcut="p">Older</a>`;
    const onClick = vi.fn((e: Event) => e.preventDefault());
    document.querySelector('a')!.addEventListener('click', onClick);
    expect(press('p').handled).toBe(true);
    expect(onClick).toHaveBeenCalledTimes(1);
  });

  it('leaves keys alone while the user types, and Escape leaves the field', () => {
    document.body.innerHTML = `<input id="q" /><button data-shortcut="r">Resolve</button>`;
    const input = document.querySelector('input')!;
    const onResolve = vi.fn();
    document.querySelector('button')!.addEventListener('click', onResolve);
    input.focus();
    expect(press('r', input).handled).toBe(false);
    expect(press('j', input).handled).toBe(false);
    expect(onResolve).not.toHaveBeenCalled();
    press('Escape', input);
    expect(document.activeElement).not.toBe(input);
  });

  it('toggles the focused row with x', () => {
    document.body.innerHTML = `<div data-row data-id="9"><input type="checkbox" /><a href="#" data-nav-item>9</a></div>`;
    document.querySelector('a')!.focus();
    press('x');
    expect(document.querySelector<HTMLInputElement>('input')!.checked).toBe(true);
  });
});
