import { GetAccountCommand, GetEmailIdentityCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import type { SesAccountInfo, SesAnswer, SesIdentityChecker, SesIdentityInfo } from '../use-cases/doctor.ts';

/**
 * Read-only SES questions for `burnrate doctor`, through SES v2 (v1 has no call that says whether
 * the account is in the sandbox). An endpoint that does not implement a call (the local emulator
 * answers GetEmailIdentity with a 404 page and GetAccount with an untyped 400 unless configured)
 * gives `unanswered` rather than an error; a refusal AWS would give (AccessDenied, throttling,
 * an unreachable endpoint) is thrown, for the doctor to report as a failure.
 */
export class SesV2IdentityChecker implements SesIdentityChecker {
  constructor(private readonly client: SESv2Client) {}

  async account(): Promise<SesAnswer<SesAccountInfo>> {
    try {
      const out = await this.client.send(new GetAccountCommand({}));
      const quota = out.SendQuota;
      if (out.ProductionAccessEnabled === undefined || !quota) {
        return { answered: false, reason: 'GetAccount gave no ProductionAccessEnabled/SendQuota' };
      }
      return {
        answered: true,
        value: {
          sandbox: !out.ProductionAccessEnabled,
          sendingEnabled: out.SendingEnabled !== false,
          ...(out.EnforcementStatus && { enforcementStatus: out.EnforcementStatus }),
          max24HourSend: quota.Max24HourSend ?? 0,
          maxSendRate: quota.MaxSendRate ?? 0,
          sentLast24Hours: quota.SentLast24Hours ?? 0,
        },
      };
    } catch (error) {
      return unanswered(error, 'GetAccount');
    }
  }

  /**
   * An address can send (and, in the sandbox, receive) if the address itself or its domain is a
   * verified identity: asks for the address, then for the domain unless the address is verified.
   * The answer names the identity that decides: the verified one, else the most specific one found.
   */
  async identity(address: string): Promise<SesAnswer<SesIdentityInfo>> {
    const domain = address.slice(address.lastIndexOf('@') + 1);
    const found: SesIdentityInfo[] = [];
    for (const identity of [address, domain]) {
      try {
        const out = await this.client.send(new GetEmailIdentityCommand({ EmailIdentity: identity }));
        const info: SesIdentityInfo = {
          identity,
          exists: true,
          verified: out.VerifiedForSendingStatus === true,
          ...(out.VerificationStatus && { status: out.VerificationStatus }),
        };
        if (info.verified) return { answered: true, value: info };
        found.push(info);
      } catch (error) {
        if ((error as Error).name === 'NotFoundException') continue;
        return unanswered(error, 'GetEmailIdentity');
      }
    }
    return { answered: true, value: found[0] ?? { identity: address, exists: false, verified: false } };
  }
}

/** Errors that mean "this endpoint does not implement the call"; anything else is rethrown. */
function unanswered(error: unknown, operation: string): { answered: false; reason: string } {
  const e = error as Error & { $metadata?: { httpStatusCode?: number }; detail?: unknown };
  const status = e.$metadata?.httpStatusCode;
  const untyped = e.name === 'Unknown' || e.name === 'SyntaxError' || e.name === 'UnknownOperationException';
  if (!untyped || status === undefined) throw error;
  const detail = typeof e.detail === 'string' ? e.detail : status === 404 ? 'no such operation' : e.message;
  return { answered: false, reason: `${operation}: HTTP ${status}: ${detail}` };
}
