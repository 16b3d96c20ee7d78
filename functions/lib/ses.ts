/** SES adapter for the `Mailer` port (endpoint from `AWS_ENDPOINT_URL_SES` locally). */
import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import type { Mail, Mailer } from '#shared/ports.ts';

export class SesMailer implements Mailer {
  constructor(
    private readonly configurationSet: string | undefined,
    private readonly client: SESClient = new SESClient({}),
  ) {}

  async send(mail: Mail): Promise<void> {
    await this.client.send(
      new SendEmailCommand({
        Source: mail.from,
        Destination: { ToAddresses: mail.to },
        Message: {
          Subject: { Data: mail.subject, Charset: 'UTF-8' },
          Body: { Html: { Data: mail.html, Charset: 'UTF-8' }, Text: { Data: mail.text, Charset: 'UTF-8' } },
        },
        ConfigurationSetName: this.configurationSet,
        Tags: Object.entries(mail.tags ?? {}).map(([Name, Value]) => ({ Name, Value: sesTagValue(Value) })),
      }),
    );
  }
}

/** SES tag values: ASCII letters, digits, `_` and `-`, at most 256 characters. */
export function sesTagValue(value: string): string {
  return value.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 256) || '-';
}
