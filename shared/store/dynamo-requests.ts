import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/** DynamoDB's limits: items in one TransactWriteItems, and in one BatchWriteItem. */
export const TRANSACTION_LIMIT = 100;
const BATCH_LIMIT = 25;
/** Single-item requests in flight at once. */
const PARALLEL = 8;

/** True if the conditional write happened, false if its condition failed; other errors throw. */
export async function unlessConditionFails(request: Promise<unknown>): Promise<boolean> {
  try {
    await request;
    return true;
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) return false;
    throw error;
  }
}

/** Runs `run` over `xs`, a few at a time. */
export async function inParallel<T>(xs: readonly T[], run: (x: T) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < xs.length; i += PARALLEL) await Promise.all(xs.slice(i, i + PARALLEL).map(run));
}

/** Unconditional puts, 25 a request, unprocessed items retried with backoff; returns the requests made. */
export async function batchPut(
  doc: DynamoDBDocumentClient,
  table: string,
  rows: ReadonlyArray<Record<string, unknown>>,
): Promise<number> {
  let requests = 0;
  for (let i = 0; i < rows.length; i += BATCH_LIMIT) {
    let pending = rows.slice(i, i + BATCH_LIMIT).map((Item) => ({ PutRequest: { Item } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 50 * 2 ** attempt)));
      if (attempt > 8) throw new Error(`DynamoDB kept ${pending.length} writes unprocessed`);
      const out = await doc.send(new BatchWriteCommand({ RequestItems: { [table]: pending } }));
      requests++;
      pending = (out.UnprocessedItems?.[table] ?? []) as typeof pending;
    }
  }
  return requests;
}
