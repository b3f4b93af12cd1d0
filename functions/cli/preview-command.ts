import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseEnvironment } from '../../shared/config/environment.ts';
import { ALERT_KINDS, type AlertKind } from '../../shared/core/alerts.ts';
import { InvalidInputError } from '../../shared/schemas/invalid-input.ts';

export function registerPreview(program: Command): void {
  program
    .command('preview')
    .description('Render the alert email this account would get now (from stored data) to an HTML file')
    .requiredOption('--account <id>', 'account id')
    .option('--kind <kind>', `only alerts of this kind: ${ALERT_KINDS.join(', ')}`)
    .requiredOption('--out <file.html>', 'where to write the HTML (the text part goes to <file>.txt)')
    .action(async (o: { account: string; kind?: string; out: string }) => {
      if (o.kind && !ALERT_KINDS.includes(o.kind as AlertKind)) {
        throw new InvalidInputError([`--kind: expected one of ${ALERT_KINDS.join(', ')}, got "${o.kind}"`]);
      }
      const env = parseEnvironment();
      const { processDeps } = await import('../../shared/compose.ts');
      const { previewAlertEmail } = await import('../../shared/use-cases/preview.ts');
      const { renderAlertEmail } = await import('../../shared/email/render-alert-email.ts');
      const deps = processDeps(env);
      const email = await previewAlertEmail(
        { store: deps.store, render: renderAlertEmail, now: deps.now },
        o.account,
        o.kind as AlertKind | undefined,
      );
      await writeFile(o.out, email.html);
      await writeFile(`${o.out.replace(/\.html?$/, '')}.txt`, `Subject: ${email.subject}\n\n${email.text}`);
      process.stdout.write(`${email.subject}\nwrote ${o.out}\n`);
    });
}
