/**
 * Project and DSN key items, read by key: all the ingest function reads from
 * the table. A module of its own so that the ingest bundle leaves out the rest
 * of the DynamoDB adapter (`dynamo.ts`: issues, events, alerts and their
 * codecs), which `DynamoStore` builds on this class.
 */
import type { Project, ProjectKey } from '#shared/model.ts';
import type { ProjectStore } from '#shared/ports.ts';
import { strip, TableClient } from './dynamo-table.ts';

export class DynamoProjectReader extends TableClient implements Pick<ProjectStore, 'getProject' | 'getKey'> {
  async getProject(id: string): Promise<Project | undefined> {
    return strip<Project>(await this.get(`PROJECT#${id}`, 'PROJECT'));
  }

  async getKey(publicKey: string): Promise<ProjectKey | undefined> {
    return strip<ProjectKey>(await this.get(`KEY#${publicKey}`, 'KEY'));
  }
}
