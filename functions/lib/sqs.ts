/**
 * SQS adapter for the `EventQueue` port. The client takes its endpoint from the
 * standard AWS SDK configuration (`AWS_ENDPOINT_URL_SQS`), which is how the
 * local stack points it at the emulator without any branch in the code.
 *
 * One module per AWS service: a handler loads only the SDK clients it uses,
 * and each client package costs tens of milliseconds of cold start.
 */
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { QueueMessage } from '#shared/model.ts';
import type { EventQueue } from '#shared/ports.ts';

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
