import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The read side of SES v2 that `burnrate doctor` asks and the aws-ses-v2-local emulator does not
 * implement: GetEmailIdentity (`GET /v2/email/identities/{id}`) and GetAccount
 * (`GET /v2/email/account`), in the service's REST-JSON wire format (errors typed by the
 * `x-amzn-errortype` header), so the real SESv2Client runs unchanged against it.
 */
export interface FakeIdentity {
  verified: boolean;
  /** SES VerificationStatus; defaults to SUCCESS or PENDING. */
  status?: string;
}

export async function startSesV2Fake(options: {
  identities: Record<string, FakeIdentity>;
  sandbox: boolean;
  sendingEnabled?: boolean;
  /** Refuse every call as IAM does for credentials without the ses:Get* actions. */
  denied?: boolean;
}) {
  const calls: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    calls.push(`${req.method} ${path}`);
    const reply = (status: number, body: object, errorType?: string) => {
      res.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-requestid': 'fake-request',
        ...(errorType && {
          'x-amzn-errortype': `${errorType}:http://internal.amazon.com/coral/com.amazonaws.sesv2/`,
        }),
      });
      res.end(JSON.stringify(body));
    };
    if (!String(req.headers.authorization ?? '').startsWith('AWS4-HMAC-SHA256')) {
      reply(403, { message: 'Missing Authentication Token' }, 'AccessDeniedException');
      return;
    }
    if (options.denied) {
      const action = path === '/v2/email/account' ? 'GetAccount' : 'GetEmailIdentity';
      reply(
        403,
        {
          message: `User: arn:aws:iam::123456789012:user/doctor is not authorized to perform: ses:${action} on resource: *`,
        },
        'AccessDeniedException',
      );
      return;
    }
    if (req.method === 'GET' && path === '/v2/email/account') {
      reply(200, {
        DedicatedIpAutoWarmupEnabled: false,
        EnforcementStatus: 'HEALTHY',
        ProductionAccessEnabled: !options.sandbox,
        SendingEnabled: options.sendingEnabled ?? true,
        SendQuota: options.sandbox
          ? { Max24HourSend: 200, MaxSendRate: 1, SentLast24Hours: 4 }
          : { Max24HourSend: 50_000, MaxSendRate: 14, SentLast24Hours: 4 },
        SuppressionAttributes: { SuppressedReasons: ['BOUNCE', 'COMPLAINT'] },
      });
      return;
    }
    const match = /^\/v2\/email\/identities\/([^/]+)$/.exec(path);
    if (req.method === 'GET' && match?.[1]) {
      const name = match[1];
      const identity = options.identities[name];
      if (!identity) {
        reply(404, { message: `Email identity <${name}> does not exist.` }, 'NotFoundException');
        return;
      }
      reply(200, {
        IdentityType: name.includes('@') ? 'EMAIL_ADDRESS' : 'DOMAIN',
        FeedbackForwardingStatus: true,
        VerifiedForSendingStatus: identity.verified,
        VerificationStatus: identity.status ?? (identity.verified ? 'SUCCESS' : 'PENDING'),
        DkimAttributes: { SigningEnabled: false, Status: 'NOT_STARTED', SigningAttributesOrigin: 'AWS_SES' },
        Tags: [],
      });
      return;
    }
    reply(404, { message: `no such operation: ${req.method} ${path}` }, 'UnknownOperationException');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
