import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { SesMailer, sesTagValue } from '#functions/lib/ses.ts';

const ses = mockClient(SESClient);
afterEach(() => ses.reset());

describe('SesMailer', () => {
  it('sends HTML and text through the configuration set, with the alert named in message tags SES accepts', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm-1' });
    await new SesMailer('ferret-mail', new SESClient({ region: 'us-east-1' })).send({
      from: 'ferret@example.com',
      to: ['ops@example.com'],
      subject: '[Ferret] BACKEND-1A ZeroDivisionError',
      html: '<p>hi</p>',
      text: 'hi',
      tags: { 'ferret-rule': 'r~webhook~1', 'ferret-token': 'mg3k1.Ab_-9x' },
    });
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input.ConfigurationSetName).toBe('ferret-mail');
    expect(input.Source).toBe('ferret@example.com');
    expect(input.Message?.Body?.Text?.Data).toBe('hi');
    expect(input.Tags).toEqual([
      { Name: 'ferret-rule', Value: 'r-webhook-1' },
      { Name: 'ferret-token', Value: 'mg3k1-Ab_-9x' },
    ]);
  });

  it('keeps tag values to the characters and length SES allows', () => {
    expect(sesTagValue('a.b@c d')).toBe('a-b-c-d');
    expect(sesTagValue('')).toBe('-');
    expect(sesTagValue('x'.repeat(300))).toHaveLength(256);
  });
});
