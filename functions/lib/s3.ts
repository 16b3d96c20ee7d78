/**
 * S3 adapter for the `BlobStore` port (endpoint from `AWS_ENDPOINT_URL_S3`
 * locally, with path-style addressing).
 *
 * The client package is imported on first use, not at module load: ingest and
 * grouping touch the payload bucket only for payloads too large for a queue
 * message, and `@aws-sdk/client-s3` is the heaviest client to load (about a
 * third of ingest's cold start when it was loaded eagerly).
 */
import type { S3Client } from '@aws-sdk/client-s3';
import { NotFoundError } from '#shared/errors.ts';
import type { BlobStore } from '#shared/ports.ts';

type S3Module = typeof import('@aws-sdk/client-s3');
let s3Module: Promise<S3Module> | undefined;
const loadS3 = () => (s3Module ??= import('@aws-sdk/client-s3'));

export class S3BlobStore implements BlobStore {
  private client: Promise<S3Client> | undefined;

  constructor(
    private readonly bucket: string,
    client?: S3Client,
  ) {
    if (client) this.client = Promise.resolve(client);
  }

  private s3(): Promise<S3Client> {
    return (this.client ??= loadS3().then((m) => new m.S3Client({ forcePathStyle: Boolean(process.env['AWS_ENDPOINT_URL_S3']) })));
  }

  async put(key: string, body: Uint8Array, contentType = 'application/octet-stream'): Promise<void> {
    const [client, { PutObjectCommand }] = await Promise.all([this.s3(), loadS3()]);
    await client.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
  }

  async get(key: string): Promise<Uint8Array> {
    const [client, { GetObjectCommand }] = await Promise.all([this.s3(), loadS3()]);
    // A missing object (one a lifecycle rule ended) is NoSuchKey to a caller allowed to list the bucket.
    const out = await client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key })).catch((e: unknown) => {
      throw (e as { name?: string })?.name === 'NoSuchKey' ? new NotFoundError(`object ${key} does not exist`, { cause: e }) : e;
    });
    if (!out.Body) throw new Error(`object ${key} has no body`);
    return out.Body.transformToByteArray();
  }
}
