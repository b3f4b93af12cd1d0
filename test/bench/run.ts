/**
 * `npm run bench`: prints the performance figures the issues ask for. Figures, not assertions:
 * timings belong here, never in the test suite. `npm run bench -- ledger` runs one section.
 */
import { bundleBench } from './bundle-bench.ts';
import { costBench } from './cost-bench.ts';
import { editBench } from './edit-bench.ts';
import { guardBench } from './guard-bench.ts';
import { historyBench } from './history-bench.ts';
import { ledgerBench } from './ledger-bench.ts';
import { parseBench } from './parse-bench.ts';
import { pricesBench } from './prices-bench.ts';
import { spikeBench } from './spike-bench.ts';
import { syncBench } from './sync-bench.ts';
import { upkeepBench } from './upkeep-bench.ts';

const sections: Record<string, () => void | Promise<void>> = {
  ledger: ledgerBench,
  sync: syncBench,
  bundle: bundleBench,
  parse: parseBench,
  prices: pricesBench,
  spike: spikeBench,
  history: historyBench,
  upkeep: upkeepBench,
  cost: costBench,
  edit: editBench,
  guard: guardBench,
};

const wanted = process.argv.slice(2).filter((a) => a !== '--');
console.log(`burnrate bench on Node ${process.version}, ${process.platform}/${process.arch}\n`);
for (const [name, run] of Object.entries(sections)) {
  if (wanted.length > 0 && !wanted.includes(name)) continue;
  await run();
  console.log('');
}
