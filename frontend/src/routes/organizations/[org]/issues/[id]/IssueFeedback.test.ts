import { render, screen } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import IssueFeedback from './IssueFeedback.svelte';

describe('IssueFeedback', () => {
  it("lists the issue's feedback with who sent it", async () => {
    const load = async () => [
      { id: '1', comments: 'It broke when I clicked save\nTwice.', name: 'Ada', email: 'ada@example.com', dateCreated: new Date().toISOString() },
      { id: '2', comments: 'Same', dateCreated: new Date().toISOString() },
    ];
    render(IssueFeedback, { props: { org: 'o', issueId: '1', load } });
    expect((await screen.findByRole('heading', { name: 'User feedback (2)' })).tagName).toBe('H2');
    expect(screen.getByText(/It broke when I clicked save/)).toBeTruthy();
    expect(screen.getByText(/ada@example\.com/)).toBeTruthy();
  });

  it('shows nothing when there is no feedback', async () => {
    const { container } = render(IssueFeedback, { props: { org: 'o', issueId: '1', load: async () => [] } });
    await new Promise((r) => setTimeout(r, 0));
    expect(container.querySelector('section')).toBeNull();
  });

  it('says when the feedback could not be loaded', async () => {
    render(IssueFeedback, { props: { org: 'o', issueId: '1', load: async () => Promise.reject(new Error('HTTP 500')) } });
    expect(await screen.findByText('HTTP 500')).toBeTruthy();
  });
});
