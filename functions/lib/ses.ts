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
      }),
    );
  }
}
