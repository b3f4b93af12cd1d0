import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { toDocumentClient } from '../../shared/clients.ts';
import { localDynamoClient } from '../../shared/local/clients.ts';

/** A request as the middleware sees it: the low-level command's name and its (marshalled) input. */
export interface SeenRequest {
  command: string;
  input: Record<string, unknown>;
}

/**
 * A document client on DynamoDB Local whose requests pass through `before` first: a test can hold
 * a sync's commit (and race it with a raw PutItem, as a console edit would), or fail a request as a
 * dying process would. `before` runs for every request; it decides which ones to touch.
 */
export function slowedDocumentClient(
  endpoint: string,
  before: (request: SeenRequest) => Promise<void> | void,
): DynamoDBDocumentClient {
  const client = localDynamoClient(endpoint);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      await before({ command: String(context.commandName), input: args.input as Record<string, unknown> });
      return next(args);
    },
    { step: 'initialize', name: 'slowedForTest' },
  );
  return toDocumentClient(client);
}

/** Runs `edit` before the first request named `command`, once, then lets every request through. */
export function onceBefore(command: string, edit: () => Promise<unknown>) {
  let done = false;
  return async (request: SeenRequest) => {
    if (done || request.command !== command) return;
    done = true;
    await edit();
  };
}
