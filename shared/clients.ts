import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESClient } from '@aws-sdk/client-ses';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * AWS clients, built once per process (a Lambda container reuses them across invocations) and
 * handed to adapters. Endpoints come from the SDK's standard AWS_ENDPOINT_URL_* variables, so the
 * same code talks to DynamoDB Local and the SES emulator. Retries: the SDK's standard strategy
 * (throttling and transient errors, exponential backoff with jitter), 5 attempts.
 */
const common = { maxAttempts: 5 } as const;

/**
 * Sending an email must fit the time a sync keeps for it (SEND_RESERVE_MS in
 * shared/use-cases/deadline.ts): bounded attempts, each cut off, so a hung SES connection fails
 * the send (the claim is released, the next run retries) instead of outliving the Lambda.
 */
const SES_SEND = {
  maxAttempts: 3,
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 4_000, throwOnRequestTimeout: true },
} as const;

let dynamo: DynamoDBDocumentClient | undefined;
let ses: SESClient | undefined;
let secrets: SecretsManagerClient | undefined;

export function documentClient(region: string): DynamoDBDocumentClient {
  dynamo ??= toDocumentClient(new DynamoDBClient({ ...common, region }));
  return dynamo;
}

/** Optional fields are left out of items rather than stored as NULL. */
export function toDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

export function sesClient(region: string): SESClient {
  ses ??= new SESClient({ ...SES_SEND, region });
  return ses;
}

export function secretsManagerClient(region: string): SecretsManagerClient {
  secrets ??= new SecretsManagerClient({ ...common, region });
  return secrets;
}
