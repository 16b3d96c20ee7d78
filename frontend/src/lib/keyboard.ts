/**
 * Keyboard use of lists: `j`/`k` move between `[data-nav-item]` elements,
 * `x` toggles the checkbox of the focused row, `/` focuses `[data-search]`;
 * any other key clicks the enabled `[data-shortcut="<key>"]` button of the page
 * (the issue page's Resolve is `r`). Enter opens the focused link natively.
 */

/** The id of the `[data-row]` holding the focus, from its `data-id`. */
export function focusedRowId(doc: Document = document): string | undefined {
  const row = doc.activeElement?.closest<HTMLElement>('[data-row]');
  return row?.dataset['id'];
}

export function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

export function handleShortcut(e: KeyboardEvent, doc: Document = document): boolean {
  if (e.metaKey || e.ctrlKey || e.altKey) return false;
  if (typing(e.target)) {
    if (e.key === 'Escape' && e.target instanceof HTMLElement) e.target.blur();
    return false;
  }
  if (e.key === '/') {
    const search = doc.querySelector<HTMLElement>('[data-search]');
    if (!search) return false;
    e.preventDefault();
    search.focus();
    // What is typed next replaces the query, as in Sentry's and GitHub's search boxes.
    if (search instanceof HTMLInputElement) search.select();
    return true;
  }
  if (e.key === 'j' || e.key === 'k') {
    const items = [...doc.querySelectorAll<HTMLElement>('[data-nav-item]')];
    if (!items.length) return false;
    const active = doc.activeElement;
    const at = items.findIndex((el) => el === active || el.contains(active));
    const next = at === -1 ? 0 : Math.min(items.length - 1, Math.max(0, at + (e.key === 'j' ? 1 : -1)));
    items[next]!.focus();
    items[next]!.scrollIntoView?.({ block: 'nearest' });
    e.preventDefault();
    return true;
  }
  if (e.key.length === 1 && /^[a-z]$/.test(e.key)) {
    // Buttons and links alike; a disabled button is skipped.
    const button = [...doc.querySelectorAll<HTMLElement>(`[data-shortcut="${e.key}"]`)].find((b) => !(b instanceof HTMLButtonElement && b.disabled));
    if (button) {
      button.click();
      e.preventDefault();
      return true;
    }
  }
  if (e.key === 'x') {
    const row = doc.activeElement?.closest('[data-row]');
    const box = row?.querySelector<HTMLInputElement>('input[type=checkbox]');
    if (!box) return false;
    box.click();
    e.preventDefault();
    return true;
  }
  return false;
}
