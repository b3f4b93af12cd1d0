import { randomUUID } from 'node:crypto';
import { toDocumentClient } from '../../shared/clients.ts';
import { renderAlertEmail } from '../../shared/email/render-alert-email.ts';
import { renderProjectEmail } from '../../shared/email/render-project-email.ts';
import { SesMailer } from '../../shared/email/ses-mailer.ts';
import { localDynamoClient, localSesClient } from '../../shared/local/clients.ts';
import { startDynamoDbLocal } from '../../shared/local/dynamodb-local.ts';
import type { UsageRow } from '../../shared/local/fakes/openai-fake.ts';
import { startSesLocal } from '../../shared/local/ses-local.ts';
import { EnvSecretSource } from '../../shared/secrets/secret-sources.ts';
import { DynamoAccountStore } from '../../shared/store/dynamo-account-store.ts';
import { DynamoAlertStore } from '../../shared/store/dynamo-alert-store.ts';
import { ensureTable } from '../../shared/store/table.ts';
import { processAccount } from '../../shared/use-cases/process-account.ts';
import { PROVIDERS } from '../support/providers.ts';
import { seedAccount } from '../support/seed.ts';

const HOUR = 3_600_000;
const MINUTE = 60_000;
const DAY_START = Date.parse('2026-11-24T00:00:00Z');
/** Usage shows up in the provider's usage report this long after it happens. */
const USAGE_LAG = 5 * MINUTE;
/** Ordinary spend $2/hour (the cost history says $48/day); the loop adds $2/minute from 15:20. */
const ORDINARY_USD_PER_HOUR = 2;
const SPIKE_FROM = DAY_START + 15 * HOUR + 20 * MINUTE;
const SPIKE_USD_PER_MINUTE = 2;

/** Dollars spent in [from, to) under the script. */
function spent(from: number, to: number): number {
  if (to <= from) return 0;
  const ordinary = ((to - from) / HOUR) * ORDINARY_USD_PER_HOUR;
  const loop = (Math.max(0, to - Math.max(from, SPIKE_FROM)) / MINUTE) * SPIKE_USD_PER_MINUTE;
  return ordinary + loop;
}

/**
 * What the provider's hourly usage shows at `now`: per hour, the usage up to now − lag, as token
 * counts of one model (`usdPerRow` buys 400k input + 100k output tokens), ordinary spend under
 * proj_web and the loop's under proj_loop.
 */
function visibleUsage(now: number, model: string, usdPerRow: number, withSpike: boolean): UsageRow[] {
  const seen = now - USAGE_LAG;
  const rows: UsageRow[] = [];
  for (let h = DAY_START - HOUR; h < seen; h += HOUR) {
    const to = Math.min(h + HOUR, seen);
    const ordinary = ((to - h) / HOUR) * ORDINARY_USD_PER_HOUR;
    const loop = withSpike ? spent(h, to) - ordinary : 0;
    for (const [projectId, usd] of [
      ['proj_web', ordinary],
      ['proj_loop', loop],
    ] as const) {
      if (usd <= 0) continue;
      const units = usd / usdPerRow;
      rows.push({
        hour: new Date(h).toISOString(),
        model,
        projectId,
        input_tokens: Math.round(units * 400_000),
        output_tokens: Math.round(units * 100_000),
      });
    }
  }
  return rows;
}

const hhmm = (ms: number) => new Date(ms).toISOString().slice(11, 16);

/**
 * A day of ordinary spend synced every 15 minutes (no spike email), then a scripted runaway loop:
 * how many runs from the first run whose provider usage shows the loop to the email in the SES
 * emulator (target: one). DynamoDB Local + SES emulator + each fake provider, the real use case.
 */
export async function spikeBench(): Promise<void> {
  const ddb = await startDynamoDbLocal();
  const ses = await startSesLocal();
  const client = localDynamoClient(ddb.endpoint);
  const sesClient = localSesClient(ses.endpoint);
  const doc = toDocumentClient(client);
  console.log('## Spike alert latency: runs every 15 minutes, usage visible 5 minutes after use');
  try {
    for (const p of PROVIDERS) {
      const fake = await p.start();
      try {
        const table = `spike-bench-${p.name}`;
        await ensureTable(client, table);
        await ses.clear();
        await seedAccount(
          doc,
          table,
          { id: 'acme', provider: p.name, name: 'Acme production', recipients: ['ops@acme.example'] },
          [{ id: 'g1', amountUsd: 2000, effectiveAt: '2026-10-01T00:00:00Z' }],
        );
        const costs: Record<string, Array<{ projectId: string; usd: number }>> = {};
        for (let i = 1; i <= 30; i++)
          costs[new Date(DAY_START - i * 24 * HOUR).toISOString().slice(0, 10)] = [
            { projectId: 'proj_web', usd: 24 * ORDINARY_USD_PER_HOUR },
          ];
        fake.setCosts(costs);
        let now = DAY_START;
        const common = {
          alerts: new DynamoAlertStore(doc, table),
          mailer: new SesMailer(sesClient),
          now: () => new Date(now),
          newToken: randomUUID,
          claimTimeoutMs: 600_000,
          sender: 'burnrate@acme.example',
        };
        const deps = {
          store: new DynamoAccountStore(doc, table),
          secrets: new EnvSecretSource({ [p.name]: fake.adminKey }),
          costSource: (_c: unknown, adminKey: string) => p.client({ ...fake, adminKey }),
          now: () => new Date(now),
          staleHours: 6,
          isAuthError: () => false,
          delivery: { ...common, render: renderAlertEmail, renderProject: renderProjectEmail },
        };
        const usdPerRow = p.estimateMicros / 1_000_000;

        // Phase 1: the ordinary day, 96 runs.
        let ordinaryRuns = 0;
        let ordinaryEmails = 0;
        let maxHourUsd = 0;
        const perRunRequests = new Map<number, number>();
        for (now = DAY_START; now < DAY_START + 24 * HOUR; now += 15 * MINUTE) {
          fake.setUsage(visibleUsage(now, p.model, usdPerRow, false));
          const before = fake.requests.length;
          const out = await processAccount(deps, 'acme');
          if (now > DAY_START) {
            const n = fake.requests.length - before; // the first run backfills costs
            perRunRequests.set(n, (perRunRequests.get(n) ?? 0) + 1);
          }
          if (out.status !== 'ok') throw new Error(`run at ${hhmm(now)}: ${out.status}`);
          ordinaryRuns++;
          ordinaryEmails += out.sent.length;
          maxHourUsd = Math.max(maxHourUsd, (out.result.figures.hour?.amountMicros ?? 0) / 1e6);
        }
        const perRun = [...perRunRequests]
          .sort(([a], [b]) => a - b)
          .map(([n, runs]) => `${n} in ${runs} runs`)
          .join(', ');
        const emailsAfterDay = (await ses.emails()).length;

        // Phase 2: the same day replayed on a fresh account with the loop from 15:20.
        await seedAccount(
          doc,
          table,
          { id: 'acme2', provider: p.name, name: 'Acme production', recipients: ['ops@acme.example'] },
          [{ id: 'g1', amountUsd: 2000, effectiveAt: '2026-10-01T00:00:00Z' }],
        );
        let firstVisible: number | undefined;
        let emailedAt: number | undefined;
        let runsToEmail = 0;
        let hourUsdAtEmail = 0;
        for (now = DAY_START; now < DAY_START + 24 * HOUR && emailedAt === undefined; now += 15 * MINUTE) {
          const usage = visibleUsage(now, p.model, usdPerRow, true);
          fake.setUsage(usage);
          if (firstVisible === undefined && usage.some((r) => r.projectId === 'proj_loop'))
            firstVisible = now;
          const out = await processAccount(deps, 'acme2');
          if (firstVisible !== undefined) runsToEmail++;
          const emails = (await ses.emails()).filter((e) => e.subject.includes('spent in the last hour'));
          if (emails.length > 0 && out.status === 'ok') {
            emailedAt = now;
            hourUsdAtEmail = (out.result.figures.hour?.amountMicros ?? 0) / 1e6;
            console.log(`${p.name}: email "${emails[0]?.subject}"`);
          }
        }
        console.log(
          `${p.name}: ordinary day: ${ordinaryRuns} runs, ${ordinaryEmails} alert emails sent (${emailsAfterDay} in SES), largest hour $${maxHourUsd.toFixed(2)} (threshold $10.00); provider requests after the first run: ${perRun} (target 2)`,
        );
        console.log(
          `${p.name}: loop from ${hhmm(SPIKE_FROM)} at $${SPIKE_USD_PER_MINUTE}/min: first run seeing it in usage ${firstVisible === undefined ? 'never' : hhmm(firstVisible)}, email at run ${emailedAt === undefined ? 'never' : hhmm(emailedAt)}: ${runsToEmail} run(s) (target 1), ${emailedAt === undefined ? '-' : `${(emailedAt - SPIKE_FROM) / MINUTE} min after the loop started`}, hour spend then $${hourUsdAtEmail.toFixed(2)}`,
        );
      } finally {
        await fake.stop();
      }
    }
  } finally {
    client.destroy();
    sesClient.destroy();
    await ses.stop();
    await ddb.stop();
  }
}
