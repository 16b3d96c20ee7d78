import { fireEvent, render, screen, waitFor } from '@testing-library/svelte';
import { afterEach, describe, expect, it, vi } from 'vitest';
import AttachmentLink from './AttachmentLink.svelte';

const attachment = { id: 'a1', name: 'report "q1".bin', size: 2560, mimetype: 'application/octet-stream' };

describe('AttachmentLink', () => {
  afterEach(() => vi.restoreAllMocks());

  it('shows the name, type and a readable size', () => {
    render(AttachmentLink, { props: { org: 'o', project: 'p', eventId: 'e', attachment, fetchBlob: async () => new Blob() } });
    expect(screen.getByRole('button', { name: `Download ${attachment.name}` }).textContent).toBe(attachment.name);
    expect(screen.getByText(/application\/octet-stream · 2\.5 KiB/)).toBeTruthy();
  });

  it('downloads the bytes under the attachment name', async () => {
    const bytes = new Blob([new Uint8Array([0, 1, 255])]);
    const fetchBlob = vi.fn(async () => bytes);
    const created: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => (created.push(b), 'blob:x'));
    URL.revokeObjectURL = vi.fn();
    const clicks: string[] = [];
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicks.push(this.download);
    });
    render(AttachmentLink, { props: { org: 'o', project: 'p', eventId: 'e', attachment, fetchBlob } });
    await fireEvent.click(screen.getByRole('button'));
    await waitFor(() => expect(clicks).toEqual([attachment.name]));
    expect(fetchBlob).toHaveBeenCalledOnce();
    expect(created).toEqual([bytes]);
  });

  it('says why a download failed', async () => {
    render(AttachmentLink, { props: { org: 'o', project: 'p', eventId: 'e', attachment, fetchBlob: async () => Promise.reject(new Error('attachment a1 not found')) } });
    await fireEvent.click(screen.getByRole('button'));
    expect((await screen.findByRole('alert')).textContent).toBe('attachment a1 not found');
  });
});
