import type { IngestRequest } from '#shared/protocol/request.ts';

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

export function request(over: Partial<IngestRequest> = {}): IngestRequest {
  return {
    method: 'POST',
    path: '/api/42/envelope/',
    query: {},
    headers: {},
    body: enc('{}\n'),
    bodyWasText: false,
    ...over,
  };
}

export const EVENT_ID = '9ec79c33ec9942ab8353589fcb2e04dc';
export const eventEnvelope = (headers: Record<string, unknown> = { event_id: EVENT_ID }): Uint8Array =>
  enc(`${JSON.stringify(headers)}\n{"type":"event"}\n{"message":"hi","event_id":"${EVENT_ID}"}\n`);
