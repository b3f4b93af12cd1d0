import { PRICES, PRICES_DATE } from './cost/prices.ts';

/**
 * The guard bench's view of the one price table (`cost/prices.ts`, the cost bench's): public AWS
 * list prices, us-east-1, on-demand, without the free tier, written down on PRICES_DATE (this
 * machine has no network): check them before quoting a bill.
 */
export const AWS_PRICES_TAKEN = PRICES_DATE;

export const AWS_PRICES = {
  lambdaPerGbSecond: PRICES.lambdaGbSecond,
  lambdaPerRequest: PRICES.lambdaRequest,
  dynamoPerWriteUnit: PRICES.dynamoWriteUnit,
  dynamoPerReadUnit: PRICES.dynamoReadUnit,
  schedulerPerInvocation: PRICES.schedulerInvocation,
  sqsPerRequest: PRICES.sqsRequest,
  secretsPerCall: PRICES.secretsApiCall,
  xrayPerTrace: PRICES.xrayTrace,
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
