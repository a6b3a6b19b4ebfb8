import { parseArgs } from 'node:util';
import type { Config } from '../config.js';
import { printSummary, withKycService } from './operator-kyc.js';
import { UsageError } from './usage-error.js';

const USAGE = `Usage:
  clientele kyc approve CUSTOMER_ID [--json]
  clientele kyc reject CUSTOMER_ID --reason REASON [--json]
(only while the customer's KYC is under_review or manual_review)`;

/** Operator KYC decisions (SPEC §10); recorded in the customer's history as `operator`. */
export async function kycCommand(config: Readonly<Config>, argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { reason: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  const [action, customerId, ...extra] = positionals;
  if ((action !== 'approve' && action !== 'reject') || !customerId || extra.length > 0) {
    throw new UsageError(USAGE);
  }
  const reason = values.reason?.trim();
  if (action === 'reject' && !reason) throw new UsageError(`kyc reject needs --reason\n${USAGE}`);
  const customer = await withKycService(config, (kyc, repos) =>
    kyc.operatorDecide(
      repos,
      customerId,
      action === 'approve' ? { to: 'approved' } : { to: 'rejected', reason: reason as string },
    ),
  );
  printSummary(values.json ?? false, customer);
}
