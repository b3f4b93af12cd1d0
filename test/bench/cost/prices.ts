/**
 * The one price table of `npm run bench -- cost`: public on-demand prices, us-east-1, in dollars,
 * as listed on the AWS pricing pages (aws.amazon.com/<service>/pricing). Written down on
 * PRICES_DATE and not fetched at run time (this machine has no network): check the pages before
 * quoting a figure. No free tier is applied anywhere (it is per AWS account, shared with
 * everything else the account runs); where one would zero a line, the README says so.
 */
export const PRICES_DATE = '2026-12-05';

export const PRICES = {
  /** Lambda, per request. */
  lambdaRequest: 0.2 / 1e6,
  /** Lambda on Arm (every burnrate function is ARM_64), per GB-second of configured memory. */
  lambdaGbSecond: 0.0000133334,
  /** DynamoDB on-demand, per write request unit. */
  dynamoWriteUnit: 0.625 / 1e6,
  /** DynamoDB on-demand, per read request unit. */
  dynamoReadUnit: 0.125 / 1e6,
  /** DynamoDB storage (Standard table class), per GB-month. */
  dynamoStorageGbMonth: 0.25,
  /** DynamoDB continuous backups (point-in-time recovery), per GB-month. */
  dynamoPitrGbMonth: 0.2,
  /** SQS standard queue, per request (a 64 KB chunk; a batch of 10 is one request). */
  sqsRequest: 0.4 / 1e6,
  /** SNS standard topic, per publish. */
  snsPublish: 0.5 / 1e6,
  /** SES, per outbound email. */
  sesEmail: 0.1 / 1000,
  /** Secrets Manager, per secret per month. */
  secretMonth: 0.4,
  /** Secrets Manager, per API call. */
  secretsApiCall: 0.05 / 10_000,
  /** KMS customer-managed key, per month (rotation adds $1 a month for each of its first two rotations). */
  kmsKeyMonth: 1,
  /** KMS, per request (also those AWS services make on an AWS-managed key for you). */
  kmsRequest: 0.03 / 10_000,
  /** EventBridge Scheduler, per invocation. */
  schedulerInvocation: 1 / 1e6,
  /** CloudWatch, per custom metric per month (first 10,000; prorated by the hour it is written). */
  customMetricMonth: 0.3,
  /** CloudWatch, per standard-resolution alarm per month. */
  alarmMonth: 0.1,
  /** CloudWatch, per dashboard per month (the first three of an account are free). */
  dashboardMonth: 3,
  /** CloudWatch Logs, per GB ingested (Standard class; Lambda's tier for the first 10 TB). */
  logsIngestGb: 0.5,
  /** CloudWatch Logs, per GB-month stored (billed compressed: raw bytes here are an upper bound). */
  logsStorageGbMonth: 0.03,
  /** X-Ray, per trace recorded. */
  xrayTrace: 5 / 1e6,
} as const;

export type PriceKey = keyof typeof PRICES;
export type Prices = Record<PriceKey, number>;
