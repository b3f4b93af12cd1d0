import { type DynamoDBClient, UpdateTableCommand } from '@aws-sdk/client-dynamodb';
import type { SESv2Client } from '@aws-sdk/client-sesv2';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll } from 'vitest';
import { toDocumentClient } from '../../shared/clients.ts';
import { localDynamoClient, localSesClient } from '../../shared/local/clients.ts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../shared/local/dynamodb-local.ts';
import { type SesLocal, startSesLocal } from '../../shared/local/ses-local.ts';
import { ensureTable } from '../../shared/store/table.ts';

/** One DynamoDB Local per test file, started before its tests and stopped after them. */
export function useDynamoDbLocal() {
  let server: DynamoDbLocal | undefined;
  let count = 0;
  const handle = {
    get endpoint(): string {
      if (!server) throw new Error('DynamoDB Local is not running (use it inside a test)');
      return server.endpoint;
    },
    client: undefined as unknown as DynamoDBClient,
    doc: undefined as unknown as DynamoDBDocumentClient,
    /**
     * A new, empty table with the production key schema; `stream: true` turns on its stream as the
     * CDK stack does (new and old images; test/support/table-stream.ts reads it).
     */
    async freshTable(prefix = 'test', options: { stream?: boolean } = {}): Promise<string> {
      const name = `${prefix}-${process.pid}-${++count}`;
      await ensureTable(handle.client, name);
      if (options.stream)
        await handle.client.send(
          new UpdateTableCommand({
            TableName: name,
            StreamSpecification: { StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' },
          }),
        );
      return name;
    },
  };
  beforeAll(async () => {
    server = await startDynamoDbLocal();
    handle.client = localDynamoClient(server.endpoint);
    handle.doc = toDocumentClient(handle.client);
  });
  afterAll(async () => {
    handle.client?.destroy();
    await server?.stop();
  });
  return handle;
}

/** One SES emulator per test file (in-process), emptied with clear() between tests as needed. */
export function useSesLocal() {
  let server: SesLocal | undefined;
  const handle = {
    client: undefined as unknown as SESv2Client,
    get endpoint(): string {
      if (!server) throw new Error('the SES emulator is not running (use it inside a test)');
      return server.endpoint;
    },
    emails: () => (server as SesLocal).emails(),
    clear: () => (server as SesLocal).clear(),
  };
  beforeAll(async () => {
    server = await startSesLocal();
    handle.client = localSesClient(server.endpoint);
  });
  afterAll(async () => {
    handle.client?.destroy();
    await server?.stop();
  });
  return handle;
}
