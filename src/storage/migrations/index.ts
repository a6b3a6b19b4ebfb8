import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './2026-11-26-001-initial.js';

/** Every migration, in order. Listed statically so the built package needs no file scanning. */
const migrations: Record<string, Migration> = {
  '2026-11-26-001-initial': initial,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
