import { SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqsAccountQueue } from '../../shared/queue/sqs-account-queue.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { dispatchAccounts } from '../../shared/use-cases/dispatch.ts';
import { startSqsFake } from '../fakes/sqs-fake.ts';
import { useDynamoDbLocal } from '../support/emulators.ts';
import { seedAccount } from '../support/seed.ts';

const ddb = useDynamoDbLocal();
let sqs: Awaited<ReturnType<typeof startSqsFake>>;
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/123456789012/burnrate-sync';
const client = () =>
  new SQSClient({
    endpoint: sqs.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
  });

beforeAll(async () => {
  sqs = await startSqsFake({ failIds: (body) => body.includes('"acct-13"') });
});
afterAll(() => sqs.stop());

async function seed(table: string, n: number) {
  for (let i = 0; i < n; i++) {
    const id = `acct-${String(i).padStart(2, '0')}`;
    await seedAccount(ddb.doc, table, {
      id,
      provider: 'openai',
      recipients: ['a@b.example'],
      ...(i === 3 ? { enabled: false } : {}),
    });
  }
}

describe('dispatch: one queue message per enabled account (DynamoDB Local, SQS wire fake)', () => {
  it('lists accounts through the index, skips disabled ones, and sends batches of 10', async () => {
    const table = await ddb.freshTable('dispatch');
    await seed(table, 13);
    const result = await dispatchAccounts(
      { store: new DynamoAccountStore(ddb.doc, table), queue: new SqsAccountQueue(client(), QUEUE) },
      'run-7',
    );
    expect(result).toEqual({ queued: 12, disabled: 1 });
    expect(sqs.batches).toEqual([10, 2]);
    expect(sqs.received.map((m) => JSON.parse(m.body).accountId)).not.toContain('acct-03');
    expect(JSON.parse(sqs.received[0]?.body ?? '{}')).toEqual({ accountId: 'acct-00', runId: 'run-7' });
    expect(sqs.received.every((m) => m.queueUrl === QUEUE)).toBe(true);
  });

  it('an entry SQS refuses is an error naming the account, so the run is retried', async () => {
    const table = await ddb.freshTable('dispatch');
    await seed(table, 15);
    await expect(
      dispatchAccounts(
        { store: new DynamoAccountStore(ddb.doc, table), queue: new SqsAccountQueue(client(), QUEUE) },
        'run-8',
      ),
    ).rejects.toThrow('SQS refused messages for accounts acct-13');
  });
});
