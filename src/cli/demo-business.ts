import type { AppSecrets } from '../app.js';
import { BusinessService } from '../businesses/business-service.js';
import type { Config } from '../config.js';
import { CustomerService } from '../customers/customer-service.js';
import { IdentityDocumentVault } from '../customers/identity-documents.js';
import type { Clock } from '../lib/clock.js';
import { DataCipher } from '../lib/encryption.js';
import type { Storage } from '../storage/storage.js';

/**
 * First run on the embedded default: a "Demo Business" with one sample customer (the seed's), and
 * a copy-paste command that logs in and retrieves it. Never on PostgreSQL, never twice.
 */
export async function createDemoBusinessIfFirstRun(
  config: Readonly<Config>,
  storage: Storage,
  clock: Clock,
  secrets: AppSecrets,
): Promise<string | undefined> {
  if (!config.databaseIsDefault || config.database.engine !== 'sqlite') return undefined;
  const businesses = new BusinessService(storage, clock);
  if ((await businesses.count()) > 0) return undefined;
  const { business, appSecret } = await businesses.create('Demo Business', 'demo@example.com');
  const customers = new CustomerService(
    clock,
    new IdentityDocumentVault(new DataCipher(secrets.dataEncryptionKey)),
  );
  const customer = await storage.transaction((repos) =>
    customers.create(repos, business.businessId, {
      customer_name: 'Test Customer',
      customer_email: 'test.customer@example.com',
      customer_phone: '+19203751411',
      customer_country: 'USA',
      customer_address: {
        city: 'Anytown',
        state: 'Anystate',
        zipcode: '12345',
        street: '1234 Elm Street',
        number: '5678',
        country: 'USA',
      },
    }),
  );
  const base = config.publicBaseUrl;
  const login = JSON.stringify({ account_id: business.accountId, app_secret: appSecret });
  return [
    '',
    'First run: created "Demo Business". Its secret is shown only this once.',
    `  account_id: ${business.accountId}`,
    `  app_secret: ${appSecret}`,
    '',
    'Log in and retrieve the demo customer:',
    `  TOKEN=$(curl -s -X POST ${base}/api/v1/auth/login -H 'Content-Type: application/json' -d '${login}' | sed -E 's/.*"access_token":"([^"]+)".*/\\1/') && curl -s ${base}/api/v1/customer/${customer.customerId} -H "Authorization: Bearer $TOKEN"`,
    '',
  ].join('\n');
}
