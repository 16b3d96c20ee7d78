/**
 * SQS, SES and S3 adapters for the ports in `shared/ports.ts`. The clients take
 * their endpoints from the standard AWS SDK configuration (for example
 * `AWS_ENDPOINT_URL_SQS`), which is how the local stack points them at the
 * emulators without any branch in the code.
 */
import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { SendEmailCommand, SESClient } from '@aws-sdk/client-ses';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { QueueMessage } from '#shared/model.ts';
import type { BlobStore, EventQueue, Mail, Mailer } from '#shared/ports.ts';

export class SqsEventQueue implements EventQueue {
  constructor(
    private readonly queueUrl: string,
    private readonly deadLetterUrl: string | undefined,
    private readonly client: SQSClient = new SQSClient({}),
  ) {}

  async send(message: QueueMessage): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(message) }));
  }

  async deadLetter(body: string, reason: string): Promise<void> {
    if (!this.deadLetterUrl) throw new Error('no dead-letter queue configured');
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterUrl,
        MessageBody: body,
        MessageAttributes: { reason: { DataType: 'String', StringValue: reason.slice(0, 1000) } },
      }),
    );
  }
}

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

export class S3BlobStore implements BlobStore {
  constructor(
    private readonly bucket: string,
    private readonly client: S3Client = new S3Client({ forcePathStyle: Boolean(process.env['AWS_ENDPOINT_URL_S3']) }),
  ) {}

  async put(key: string, body: Uint8Array, contentType = 'application/octet-stream'): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async get(key: string): Promise<Uint8Array> {
    const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    if (!out.Body) throw new Error(`object ${key} has no body`);
    return out.Body.transformToByteArray();
  }
}
