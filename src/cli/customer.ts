import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { printSummary, withKycService } from './operator-kyc.js';
import { UsageError } from './usage-error.js';

const USAGE = `Usage:
  clientele customer suspend CUSTOMER_ID [--json]
  clientele customer reactivate CUSTOMER_ID [--json]`;

/** Suspension zeroes can_create_*; reactivation restores what the KYC state gives (SPEC §10). */
export async function customerCommand(config: Readonly<Config>, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  const [action, customerId, ...extra] = positionals;
  if ((action !== 'suspend' && action !== 'reactivate') || !customerId || extra.length > 0) {
    throw new UsageError(USAGE);
  }
  const { customer, changed } = await withKycService(config, (kyc, repos) =>
    kyc.setSuspended(repos, customerId, action === 'suspend'),
  );
  const note = changed ? '' : `(already ${action === 'suspend' ? 'suspended' : 'not suspended'})\n`;
  printSummary(values.json ?? false, customer, note);
}
