import { fireEvent, render, screen } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { ApiToken, NewApiToken } from '$lib/types.ts';
import TokensPanel from './TokensPanel.svelte';

const tokens: ApiToken[] = [{ id: '4', name: 'ci', scopes: ['project:read'], dateCreated: '2026-11-24T10:00:00Z', expiresAt: null, tokenLastCharacters: 'wxyz' }];
const SCOPES = ['project:read', 'event:read', 'event:admin'];

function setup() {
  const created: NewApiToken = { id: '5', name: 'deploy', scopes: ['event:admin'], dateCreated: '2026-11-24T11:00:00Z', expiresAt: null, tokenLastCharacters: 'abcd', token: 'frt_secret_value_abcd' };
  const props = { tokens, scopes: SCOPES, onCreate: vi.fn(async () => created), onRevoke: vi.fn(async () => {}), now: () => new Date('2026-11-24T12:00:00Z') };
  render(TokensPanel, { props });
  return props;
}

describe('TokensPanel', () => {
  it('lists tokens by name, scopes and last characters, never the token', () => {
    setup();
    const row = screen.getByTestId('token');
    expect(row.textContent).toContain('ci');
    expect(row.textContent).toContain('…wxyz');
    expect(row.querySelector('.scopes')!.textContent).toBe('project:read');
    expect(row.querySelector('.expires')!.textContent).toBe('never');
  });

  it('creates a token with the chosen scopes and shows it once', async () => {
    const props = setup();
    await fireEvent.input(screen.getByLabelText('Name'), { target: { value: 'deploy' } });
    await fireEvent.click(screen.getByLabelText('event:read'));
    await fireEvent.click(screen.getByLabelText('event:admin'));
    await fireEvent.submit(screen.getByRole('form', { name: 'Create an API token' }));
    expect(props.onCreate).toHaveBeenCalledWith({ name: 'deploy', scopes: ['project:read', 'event:admin'], expiresAt: '2027-02-22T12:00:00.000Z' });
    expect((await screen.findByTestId('new-token')).textContent).toBe('frt_secret_value_abcd');
    await fireEvent.click(screen.getByRole('button', { name: 'Done' }));
    expect(screen.queryByTestId('new-token')).toBeNull();
  });

  it('revokes a token', async () => {
    const props = setup();
    await fireEvent.click(screen.getByRole('button', { name: 'Revoke ci' }));
    expect(props.onRevoke).toHaveBeenCalledWith('4');
  });

  it('creates a token that never expires when asked', async () => {
    const props = setup();
    await fireEvent.change(screen.getByLabelText('Expires'), { target: { value: '0' } });
    await fireEvent.submit(screen.getByRole('form', { name: 'Create an API token' }));
    expect(props.onCreate).toHaveBeenCalledWith({ name: 'API token', scopes: ['project:read', 'event:read'] });
  });
});
