import { SNSClient } from '@aws-sdk/client-sns';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SnsOperatorNotices } from '../../shared/chat/sns-operator-notices.ts';
import { startSnsFake } from '../fakes/sns-fake.ts';

const TOPIC = 'arn:aws:sns:us-east-1:123456789012:burnrate-operator';
let sns: Awaited<ReturnType<typeof startSnsFake>>;
let client: SNSClient;

beforeAll(async () => {
  sns = await startSnsFake();
  client = new SNSClient({
    region: 'us-east-1',
    endpoint: sns.endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
});
afterAll(async () => {
  client.destroy();
  await sns.stop();
});

describe('operator notices on the operator SNS topic (the upkeep function has no SES)', () => {
  it('publishes the text with a subject SNS accepts (≤ 100 printable ASCII) and the account and kind as attributes', async () => {
    await new SnsOperatorNotices(client, TOPIC).tell({
      accountId: 'claude',
      kind: 'spend-limits-unavailable',
      subject:
        'burnrate: account claude: hard limits cannot be kept through the anthropic API: set them in the Console — now',
      text: 'Account claude has hardLimitUsd set, but …\nSet them by hand in the Claude Console (Settings → Limits).',
    });
    const [m] = sns.published;
    expect(m?.topicArn).toBe(TOPIC);
    expect(m?.message).toContain('Claude Console (Settings → Limits)');
    expect(m?.subject).toBe(
      'burnrate: account claude: hard limits cannot be kept through the anthropic API: set them in the Cons',
    );
    expect(m?.subject).toMatch(/^[\x20-\x7e]{1,100}$/);
    expect(m?.attributes).toEqual({
      accountId: { dataType: 'String', value: 'claude' },
      kind: { dataType: 'String', value: 'operator:spend-limits-unavailable' },
    });
  });

  it('a refused publish is an error (the upkeep then retries the notice at its next run)', async () => {
    sns.refuse({ code: 'AuthorizationError', message: 'not authorized' });
    await expect(
      new SnsOperatorNotices(client, TOPIC).tell({
        accountId: 'a',
        kind: 'hard-limit-failed',
        subject: 's',
        text: 't',
      }),
    ).rejects.toThrow(/not authorized/);
    sns.refuse(undefined);
  });
});
