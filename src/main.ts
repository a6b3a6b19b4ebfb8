#!/usr/bin/env node
import { BusinessNotFoundError } from './businesses/business-service.js';
import { businessCommand, UsageError } from './cli/business.js';
import { openMigratedStorage } from './cli/open-storage.js';
import { serve } from './cli/serve.js';
import { ConfigError, loadConfig } from './config.js';

const USAGE = `Usage: clientele <command>
  serve                       run the API (migrates first)
  migrate                     bring the database schema up to date
  business create|list|rotate-secret   manage businesses (tenants)`;

async function main(argv: string[]): Promise<void> {
  const [command = 'serve', ...rest] = argv;
  if (command === '--help' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve':
      return serve(config);
    case 'migrate': {
      const storage = await openMigratedStorage(config);
      await storage.close();
      process.stdout.write('Database schema is up to date.\n');
      return;
    }
    case 'business':
      return businessCommand(config, rest);
    default:
      throw new UsageError(USAGE);
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  const known =
    error instanceof ConfigError ||
    error instanceof UsageError ||
    error instanceof BusinessNotFoundError;
  process.stderr.write(
    `clientele: ${known ? (error as Error).message : String((error as Error)?.stack ?? error)}\n`,
  );
  process.exit(known && error instanceof UsageError ? 64 : 1);
});
