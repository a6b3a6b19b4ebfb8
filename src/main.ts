#!/usr/bin/env node
import { BusinessNotFoundError } from './businesses/business-service.js';
import { UsageError } from './cli/usage-error.js';
import { ConfigError, loadConfig } from './config.js';
import { AppError } from './lib/app-error.js';

const USAGE = `Usage: clientele <command>
  serve                       run the API (migrates first)
  migrate                     bring the database schema up to date
  business create|list|rotate-secret   manage businesses (tenants)
  kyc approve|reject CUSTOMER_ID       operator KYC decisions
  customer suspend|reactivate CUSTOMER_ID`;

async function main(argv: string[]): Promise<void> {
  const [command = 'serve', ...rest] = argv;
  if (command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig();
  // Commands are loaded on demand: the operator commands need not load the HTTP server.
  switch (command) {
    case 'serve':
      return (await import('./cli/serve.js')).serve(config);
    case 'migrate': {
      const { openMigratedStorage } = await import('./cli/open-storage.js');
      const storage = await openMigratedStorage(config);
      await storage.close();
      process.stdout.write('Database schema is up to date.\n');
      return;
    }
    case 'business':
      return (await import('./cli/business.js')).businessCommand(config, rest);
    case 'kyc':
      return (await import('./cli/kyc.js')).kycCommand(config, rest);
    case 'customer':
      return (await import('./cli/customer.js')).customerCommand(config, rest);
    default:
      throw new UsageError(USAGE);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const known =
    error instanceof ConfigError ||
    error instanceof UsageError ||
    error instanceof BusinessNotFoundError ||
    // Domain refusals (customer not found, a KYC move not allowed now) are for the operator.
    error instanceof AppError;
  process.stderr.write(
    `clientele: ${known ? (error as Error).message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(known && error instanceof UsageError ? 64 : 1);
});
