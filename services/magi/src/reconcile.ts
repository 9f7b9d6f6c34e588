// `npm run reconcile -w services/magi`: the reconciliation as a command, on
// the configured engines (the same env as the service). Prints the report as
// JSON and exits 0 when every counter and summary equals the ledger, 1 when
// anything differs. `-- --repair-summaries` also rewrites every ranking and
// revenue summary that differs from the ledger (wallets are only reported).
// On the embedded engines stop the service first: its files belong to one
// process at a time. On Redis run it while no gifts are being sent.
import { createLogger, loadConfig, startup } from '@bamboo/kit';
import { openEngines } from '@bamboo/engines';
import { configShape } from './config.js';
import { openMagi } from './magi.js';

await startup('magi reconcile', async () => {
  const config = loadConfig(configShape);
  const logger = createLogger('magi', config.LOG_LEVEL === 'info' ? 'warn' : config.LOG_LEVEL);
  const engines = await openEngines(config, 'magi');
  const magi = await openMagi({ config, logger, engines, background: false });
  try {
    const report = await magi.reconcile({ repairSummaries: process.argv.includes('--repair-summaries') });
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    process.exitCode = report.ok ? 0 : 1;
  } finally {
    await magi.close();
    await engines.close();
  }
});
