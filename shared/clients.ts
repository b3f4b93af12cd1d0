import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SESv2Client } from '@aws-sdk/client-sesv2';
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

/** Wraps a client as it is built (the Lambda functions: Powertools Tracer, one X-Ray subsegment per call). */
export type ClientCapture = <T extends object>(client: T) => T;

let capture: ClientCapture = (client) => client;
let built = false;
let dynamo: DynamoDBDocumentClient | undefined;
let ses: SESv2Client | undefined;
let secrets: SecretsManagerClient | undefined;

/**
 * Every client built here from now on goes through `wrap` (shared/powertools/tracer.ts calls it
 * when a Lambda function loads). The CLI never calls it, so it loads no X-Ray code. Fails if a
 * client was already built: that client would go untraced without anyone noticing.
 */
export function captureClientsWith(wrap: ClientCapture): void {
  if (built) throw new Error('captureClientsWith: AWS clients were built before tracing was set up');
  capture = wrap;
}

/** A client built elsewhere (SQS, SNS), captured like the ones here. */
export function captured<T extends object>(client: T): T {
  built = true;
  return capture(client);
}

export function documentClient(region: string): DynamoDBDocumentClient {
  dynamo ??= toDocumentClient(captured(new DynamoDBClient({ ...common, region })));
  return dynamo;
}

/** Optional fields are left out of items rather than stored as NULL. */
export function toDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
}

/**
 * SES v2 for every email (alerts, digests, operator notices). `endpoint`: the emulator's, from
 * AWS_ENDPOINT_URL_SES, since the v2 client itself only reads AWS_ENDPOINT_URL_SESV2.
 */
export function sesClient(region: string, endpoint?: string): SESv2Client {
  ses ??= captured(new SESv2Client({ ...SES_SEND, region, ...(endpoint && { endpoint }) }));
  return ses;
}

export function secretsManagerClient(region: string): SecretsManagerClient {
  secrets ??= captured(new SecretsManagerClient({ ...common, region }));
  return secrets;
}
