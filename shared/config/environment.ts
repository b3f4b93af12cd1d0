import * as z from 'zod';

/**
 * The one place that reads process.env: parsed once, typed, failing fast with the variable's name.
 * The AWS SDK reads its own standard variables (AWS_REGION, AWS_ENDPOINT_URL_DYNAMODB,
 * AWS_ENDPOINT_URL_SES, AWS_ENDPOINT_URL_SECRETS_MANAGER, AWS_ENDPOINT_URL_SNS), so they are not repeated here.
 */
const environmentSchema = z.object({
  BURNRATE_TABLE: z
    .string()
    .min(3, { error: 'expected a DynamoDB table name (3+ characters)' })
    .default('burnrate'),
  OPENAI_BASE_URL: z
    .url({ error: 'expected a URL such as https://api.openai.com/v1' })
    .default('https://api.openai.com/v1'),
  OPENAI_ADMIN_KEY: z.string().min(1).optional(),
  ANTHROPIC_BASE_URL: z
    .url({ error: 'expected a URL such as https://api.anthropic.com/v1' })
    .default('https://api.anthropic.com/v1'),
  ANTHROPIC_ADMIN_KEY: z.string().min(1).optional(),
  BURNRATE_SENDER: z.email({ error: 'expected the sender email address' }).optional(),
  BURNRATE_OPERATOR_EMAIL: z.email({ error: 'expected the operator email address' }).optional(),
  BURNRATE_QUEUE_URL: z.url({ error: 'expected the SQS queue URL' }).optional(),
  BURNRATE_ALERTS_TOPIC_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
      error: 'expected an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:alerts',
    })
    .optional(),
  // The guard's approval links: where they point (the guard Function URL in AWS, 127.0.0.1 under
  // `npm start`), and the HMAC key: BURNRATE_GUARD_KEY locally, else the named Secrets Manager secret.
  BURNRATE_GUARD_URL: z
    .url({ error: 'expected the guard page URL, such as https://abc.lambda-url.us-east-1.on.aws/' })
    .optional(),
  BURNRATE_GUARD_KEY: z.string().min(32, { error: 'expected a signing key of 32+ characters' }).optional(),
  BURNRATE_GUARD_KEY_SECRET: z
    .string()
    .regex(/^[A-Za-z0-9/_+=.@-]{1,512}$/, { error: 'expected a Secrets Manager secret name' })
    .default('burnrate/guard-signing-key'),
  /** The operator SNS topic (the alarms' topic): where the upkeep function sends operator notices. */
  BURNRATE_OPERATOR_TOPIC_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
      error: 'expected an SNS topic ARN such as arn:aws:sns:us-east-1:123456789012:operator',
    })
    .optional(),
  BURNRATE_STAGE: z.string().min(1).default('local'),
  BURNRATE_STALE_HOURS: z.coerce.number().positive().default(6),
  BURNRATE_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  /** The sync's per-account CloudWatch metrics (`-c accountMetrics=true` sets it): off unless "true". */
  BURNRATE_ACCOUNT_METRICS: z
    .enum(['true', 'false'], { error: 'expected true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  AWS_REGION: z.string().min(1).default('us-east-1'),
  // Read here too because the SES v2 client (every email, and `burnrate doctor`) looks only at
  // AWS_ENDPOINT_URL_SESV2; v1 and v2 share one host in AWS and in the emulator, so it is pointed
  // at AWS_ENDPOINT_URL_SES when only that is set (compose.ts sesEndpoint).
  AWS_ENDPOINT_URL_SES: z.url({ error: 'expected the SES endpoint URL' }).optional(),
  AWS_ENDPOINT_URL_SESV2: z.url({ error: 'expected the SES v2 endpoint URL' }).optional(),
});

export type Environment = z.infer<typeof environmentSchema>;

export class EnvironmentError extends Error {
  override readonly name = 'EnvironmentError';
}

export function parseEnvironment(env: NodeJS.ProcessEnv = process.env): Environment {
  const result = environmentSchema.safeParse(env);
  if (result.success) return result.data;
  // Name the variable and what was expected; never echo the value (it may be a key).
  const lines = result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  throw new EnvironmentError(`invalid environment:\n  ${lines.join('\n  ')}`);
}
