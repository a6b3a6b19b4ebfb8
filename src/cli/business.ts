import { parseArgs } from 'node:util';
import { BusinessService } from '../businesses/business-service.js';
import type { Config } from '../config.js';
import { systemClock } from '../lib/clock.js';
import { openMigratedStorage } from './open-storage.js';
import { UsageError } from './usage-error.js';

const USAGE = `Usage:
  clientele business create --name NAME --email EMAIL [--json]
  clientele business list [--json]
  clientele business rotate-secret --account-id ACCOUNT_ID [--json]`;

function print(json: boolean, value: unknown, text: string): void {
  process.stdout.write(json ? `${JSON.stringify(value)}\n` : `${text}\n`);
}

/** Operator commands for tenants; the secret is printed once and never stored in clear. */
export async function businessCommand(config: Readonly<Config>, argv: string[]): Promise<void> {
  const [action, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      name: { type: 'string' },
      email: { type: 'string' },
      'account-id': { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const json = values.json ?? false;
  if (action === 'create' && (!values.name?.trim() || !values.email?.includes('@'))) {
    throw new UsageError(`business create needs --name and a valid --email\n${USAGE}`);
  }
  if (action === 'rotate-secret' && !values['account-id']) {
    throw new UsageError(`business rotate-secret needs --account-id\n${USAGE}`);
  }
  if (action !== 'create' && action !== 'list' && action !== 'rotate-secret')
    throw new UsageError(USAGE);

  const storage = await openMigratedStorage(config);
  try {
    const businesses = new BusinessService(storage, systemClock);
    if (action === 'create') {
      const { business, appSecret } = await businesses.create(
        values.name!.trim(),
        values.email!.trim(),
      );
      const result = { account_id: business.accountId, app_secret: appSecret, name: business.name };
      print(
        json,
        result,
        `account_id: ${result.account_id}\napp_secret: ${appSecret}\n(the secret is shown only once)`,
      );
    } else if (action === 'list') {
      const rows = (await businesses.list()).map((b) => ({
        account_id: b.accountId,
        name: b.name,
        email: b.email,
        created_at: b.createdAt,
      }));
      print(
        json,
        rows,
        rows.map((b) => `${b.account_id}  ${b.name}  <${b.email}>  ${b.created_at}`).join('\n'),
      );
    } else {
      const business = await businesses.findByAccountId(values['account-id']!);
      const appSecret = await storage.transaction((repos) =>
        businesses.rotateSecret(repos, business.businessId),
      );
      const result = { account_id: business.accountId, app_secret: appSecret };
      print(
        json,
        result,
        `account_id: ${result.account_id}\napp_secret: ${appSecret}\n(old secret and its tokens are revoked)`,
      );
    }
  } finally {
    await storage.close();
  }
}
