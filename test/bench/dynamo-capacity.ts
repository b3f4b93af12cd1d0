import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * DynamoDB request units as DynamoDB reports them: every request made through the client asks for
 * `ReturnConsumedCapacity: TOTAL` and the answer's ConsumedCapacity (one, or one per table for
 * batches and transactions) is added up, as read units for reads and write units for writes. No
 * guessing from item sizes: what the billing would count (DynamoDB Local computes the same units).
 */
export interface CapacityCounter {
  reset(): void;
  units(): { readUnits: number; writeUnits: number };
  /** Requests that came back without ConsumedCapacity (should stay 0). */
  unreported(): number;
}

const READS = new Set([
  'GetItemCommand',
  'QueryCommand',
  'ScanCommand',
  'BatchGetItemCommand',
  'TransactGetItemsCommand',
]);

interface Consumed {
  CapacityUnits?: number;
  ReadCapacityUnits?: number;
  WriteCapacityUnits?: number;
}

export function countCapacity(doc: DynamoDBDocumentClient): CapacityCounter {
  let read = 0;
  let write = 0;
  let missing = 0;
  doc.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as Record<string, unknown>;
      input.ReturnConsumedCapacity = 'TOTAL';
      const result = await next(args);
      const output = result.output as { ConsumedCapacity?: Consumed | Consumed[] };
      const consumed = output.ConsumedCapacity;
      const list = consumed === undefined ? [] : Array.isArray(consumed) ? consumed : [consumed];
      if (list.length === 0) missing++;
      const isRead = READS.has(String(context.commandName));
      for (const c of list) {
        if (c.ReadCapacityUnits !== undefined || c.WriteCapacityUnits !== undefined) {
          read += c.ReadCapacityUnits ?? 0;
          write += c.WriteCapacityUnits ?? 0;
        } else if (isRead) read += c.CapacityUnits ?? 0;
        else write += c.CapacityUnits ?? 0;
      }
      return result;
    },
    { step: 'serialize', name: 'benchConsumedCapacity', priority: 'high' },
  );
  return {
    reset() {
      read = 0;
      write = 0;
    },
    units: () => ({ readUnits: read, writeUnits: write }),
    unreported: () => missing,
  };
}
