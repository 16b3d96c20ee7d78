import { describe, expect, it } from 'vitest';
import { EnvelopeError, parseEnvelope, serializeEnvelope } from '#shared/protocol/envelope.ts';
import { ProtocolError } from '#shared/errors.ts';
import { enc } from './helpers.ts';

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe('parseEnvelope', () => {
  it('reads the example of the envelope spec: a length-prefixed attachment and a newline-terminated event', () => {
    const bytes = enc(
      '{"event_id":"9ec79c33ec9942ab8353589fcb2e04dc","dsn":"https://e12d836b15bb49d7bbf99e64295d995b:@sentry.io/42"}\n' +
        '{"type":"attachment","length":10,"content_type":"text/plain","filename":"hello.txt"}\n' +
        '\uFEFFHello\r\n\n' +
        '{"type":"event","content_type":"application/json","filename":"application.log"}\n' +
        '{"message":"hello world","level":"error"}\n',
    );
    const env = parseEnvelope(bytes);
    expect(env.headers['event_id']).toBe('9ec79c33ec9942ab8353589fcb2e04dc');
    expect(env.items.map((i) => i.type)).toEqual(['attachment', 'event']);
    expect(env.items[1]?.headers['filename']).toBe('application.log');
    expect(JSON.parse(text(env.items[1]!.payload))).toEqual({ message: 'hello world', level: 'error' });
  });

  it('keeps binary payloads with newlines intact when a length is given', () => {
    const payload = new Uint8Array([0, 10, 255, 10, 13, 10, 0x7b]);
    const bytes = serializeEnvelope({ headers: {}, items: [{ headers: { type: 'attachment' }, payload }, { headers: { type: 'event' }, payload: '{}' }] });
    const env = parseEnvelope(bytes);
    expect(Array.from(env.items[0]!.payload)).toEqual(Array.from(payload));
    expect(text(env.items[1]!.payload)).toBe('{}');
  });

  it('accepts a final item without a trailing newline and an empty envelope body', () => {
    expect(parseEnvelope(enc('{}')).items).toEqual([]);
    const env = parseEnvelope(enc('{}\n{"type":"session"}\n{"sid":"x"}'));
    expect(text(env.items[0]!.payload)).toBe('{"sid":"x"}');
  });

  it('reads an item whose header is the last line with a zero length', () => {
    const env = parseEnvelope(enc('{}\n{"type":"attachment","length":0}'));
    expect(env.items[0]?.payload.length).toBe(0);
  });

  it('keeps unknown item types', () => {
    const env = parseEnvelope(enc('{}\n{"type":"something_new","x":1}\n{"a":1}\n'));
    expect(env.items[0]?.type).toBe('something_new');
    expect(env.items[0]?.headers['x']).toBe(1);
  });

  it.each([
    ['empty input', ''],
    ['header that is not JSON', 'nope\n'],
    ['header that is an array', '[]\n'],
    ['item without a type', '{}\n{"length":1}\nx\n'],
    ['length past the end', '{}\n{"type":"event","length":100}\n{}\n'],
    ['negative length', '{}\n{"type":"event","length":-1}\n{}\n'],
    ['payload not followed by a newline', '{}\n{"type":"event","length":1}\nxy\n'],
  ])('rejects %s with a 400', (_name, body) => {
    const error = (() => {
      try {
        parseEnvelope(enc(body));
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(EnvelopeError);
    expect((error as ProtocolError).status).toBe(400);
  });
});
