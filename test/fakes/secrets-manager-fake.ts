import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A Secrets Manager endpoint that speaks the service's JSON 1.1 wire protocol for GetSecretValue,
 * so the real SDK client and Powertools' SecretsProvider run unchanged against it
 * (AWS_ENDPOINT_URL_SECRETS_MANAGER or the client's `endpoint`).
 */
export async function startSecretsManagerFake(secrets: Record<string, string>) {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const { SecretId } = JSON.parse(body || '{}') as { SecretId?: string };
      calls.push(`${target} ${SecretId}`);
      const reply = (status: number, payload: object, errorType?: string) => {
        res.writeHead(status, {
          'content-type': 'application/x-amz-json-1.1',
          ...(errorType && { 'x-amzn-errortype': errorType }),
        });
        res.end(JSON.stringify(payload));
      };
      if (target !== 'secretsmanager.GetSecretValue') {
        reply(400, { __type: 'InvalidAction', message: `unsupported ${target}` }, 'InvalidAction');
        return;
      }
      const value = SecretId === undefined ? undefined : secrets[SecretId];
      if (value === undefined) {
        const message = "Secrets Manager can't find the specified secret.";
        reply(400, { __type: 'ResourceNotFoundException', message }, 'ResourceNotFoundException');
        return;
      }
      reply(200, {
        ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${SecretId}-AbCdEf`,
        Name: SecretId,
        SecretString: value,
        VersionId: '00000000-0000-0000-0000-000000000001',
        VersionStages: ['AWSCURRENT'],
        CreatedDate: 1_700_000_000,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
