import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it, vi } from 'vitest';
import type { Member, Team } from '$lib/types.ts';
import MembersPanel from './MembersPanel.svelte';

const members: Member[] = [
  { id: '1', email: 'owner@example.com', orgRole: 'owner', teams: ['web'] },
  { id: '2', email: '<img src=x onerror=alert(1)>@example.com', orgRole: 'member', teams: [], pending: true },
];
const teams: Team[] = [
  { id: 'web', slug: 'web', name: 'Web', isMember: true, memberCount: 1 },
  { id: 'ops', slug: 'ops', name: 'Ops', isMember: false, memberCount: 0 },
];

function setup(canManage = true) {
  const props = {
    members,
    teams,
    canManage,
    onInvite: vi.fn(async () => {}),
    onUpdate: vi.fn(async () => {}),
    onRemove: vi.fn(async () => {}),
    onCreateTeam: vi.fn(async () => {}),
  };
  render(MembersPanel, { props });
  return props;
}

describe('MembersPanel', () => {
  it('lists members with role, teams and pending invitations, emails as plain text', () => {
    setup();
    const rows = screen.getAllByTestId('member');
    expect(rows).toHaveLength(2);
    expect(rows[0]!.querySelector('.teams')!.textContent).toBe('web');
    expect((screen.getByLabelText('Role of owner@example.com') as HTMLSelectElement).value).toBe('owner');
    expect(rows[1]!.querySelector('.pending')!.textContent).toBe('invited');
    // An email is data: it renders as text, never as markup.
    expect(rows[1]!.querySelector('.email')!.textContent).toBe('<img src=x onerror=alert(1)>@example.com');
    expect(rows[1]!.querySelector('img')).toBeNull();
  });

  it('invites with the chosen role and teams', async () => {
    const props = setup();
    await fireEvent.input(screen.getByLabelText('Email'), { target: { value: ' new@example.com ' } });
    await fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'admin' } });
    await fireEvent.click(screen.getByLabelText('Ops'));
    await fireEvent.submit(screen.getByRole('form', { name: 'Invite a member' }));
    expect(props.onInvite).toHaveBeenCalledWith({ email: 'new@example.com', orgRole: 'admin', teams: ['ops'] });
  });

  it('changes a role and removes a member', async () => {
    const props = setup();
    await fireEvent.change(screen.getByLabelText('Role of owner@example.com'), { target: { value: 'admin' } });
    expect(props.onUpdate).toHaveBeenCalledWith('1', { orgRole: 'admin' });
    await fireEvent.click(screen.getByRole('button', { name: 'Remove owner@example.com' }));
    expect(props.onRemove).toHaveBeenCalledWith('1');
  });

  it('shows the API refusal, and offers no management to a member', async () => {
    const props = setup();
    props.onRemove.mockRejectedValueOnce(new Error('the organization must keep at least one owner'));
    await fireEvent.click(screen.getByRole('button', { name: 'Remove owner@example.com' }));
    expect((await screen.findByRole('alert')).textContent).toContain('at least one owner');
  });

  it('is read-only without member management', () => {
    setup(false);
    expect(screen.queryByRole('form', { name: 'Invite a member' })).toBeNull();
    expect(screen.queryAllByRole('button')).toHaveLength(0);
    expect(screen.getAllByTestId('member')[0]!.querySelector('.role')!.textContent).toBe('owner');
  });

  it("edits a member's teams and creates a team", async () => {
    const props = setup();
    await fireEvent.click(screen.getByRole('button', { name: 'Edit teams of owner@example.com' }));
    const editor = within(screen.getByRole('group', { name: 'Teams of owner@example.com' }));
    await fireEvent.click(editor.getByLabelText('Ops'));
    await fireEvent.click(editor.getByLabelText('Web'));
    await fireEvent.click(editor.getByRole('button', { name: 'Save teams' }));
    expect(props.onUpdate).toHaveBeenCalledWith('1', { teams: ['ops'] });
    await fireEvent.input(screen.getByLabelText('Team name'), { target: { value: ' Platform ' } });
    await fireEvent.submit(screen.getByRole('form', { name: 'Create a team' }));
    expect(props.onCreateTeam).toHaveBeenCalledWith({ name: 'Platform' });
  });
});
