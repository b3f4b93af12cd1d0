/**
 * Public AWS list prices, us-east-1, on-demand, without the free tier (it is shared with whatever
 * else runs in the account): the one table the guard bench prices a schedule with. Taken on
 * 2026-12-05 from the stored copies of the AWS pricing pages named below (this machine has no
 * network): check them before quoting a bill.
 */
export const AWS_PRICES_TAKEN = '2026-12-05';

export const AWS_PRICES = {
  /** aws.amazon.com/lambda/pricing: Arm (the stack's functions are ARM_64), first tier. */
  lambdaPerGbSecond: 0.0000133334,
  lambdaPerRequest: 0.2 / 1e6,
  /** aws.amazon.com/dynamodb/pricing/on-demand (after the November 2024 cut; the table is PAY_PER_REQUEST). */
  dynamoPerWriteUnit: 0.625 / 1e6,
  dynamoPerReadUnit: 0.125 / 1e6,
  /** aws.amazon.com/eventbridge/pricing: Scheduler, past the 14 million free invocations a month. */
  schedulerPerInvocation: 1.0 / 1e6,
  /** aws.amazon.com/sqs/pricing: standard queue, per 64 KB request. */
  sqsPerRequest: 0.4 / 1e6,
  /** aws.amazon.com/secrets-manager/pricing: $0.05 per 10,000 API calls. */
  secretsPerCall: 0.05 / 1e4,
  /** aws.amazon.com/xray/pricing: traces recorded ($5.00 per million; the functions trace ACTIVE). */
  xrayPerTrace: 5.0 / 1e6,
} as const;

export type AwsPrices = typeof AWS_PRICES;

/** The price table as printed lines (the bench prints it under the cost table, with the date). */
export function priceLines(p: AwsPrices = AWS_PRICES): string[] {
  return [
    `Lambda (Arm) $${p.lambdaPerGbSecond} per GB-second, $${(p.lambdaPerRequest * 1e6).toFixed(2)} per million requests`,
    `DynamoDB on-demand $${(p.dynamoPerWriteUnit * 1e6).toFixed(3)} per million write units, $${(p.dynamoPerReadUnit * 1e6).toFixed(3)} per million read units`,
    `EventBridge Scheduler $${(p.schedulerPerInvocation * 1e6).toFixed(2)} per million invocations`,
    `SQS standard $${(p.sqsPerRequest * 1e6).toFixed(2)} per million requests`,
    `Secrets Manager $${(p.secretsPerCall * 1e4).toFixed(2)} per 10,000 calls`,
    `X-Ray $${(p.xrayPerTrace * 1e6).toFixed(2)} per million traces recorded`,
  ];
}
