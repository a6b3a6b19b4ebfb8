import { loadConfig } from '../../src/config.js';
import { openStorage, type Repositories, type Storage } from '../../src/storage/storage.js';

export type RepositoryOverrides = {
  [K in keyof Repositories]?: Partial<Repositories[K]>;
};

/** A fresh in-memory SQLite storage, migrated by whoever builds the app on it. */
export function memoryStorage(): Storage {
  return openStorage(loadConfig({ DATABASE_URL: 'sqlite::memory:' }).database, {
    poolSize: 1,
    statementTimeoutMs: 5000,
    readCacheRows: 10_000,
  });
}

/**
 * `inner` with some repository methods replaced, outside and inside transactions alike: for
 * tests that make the database fail in a chosen way.
 */
export function storageWith(
  overrides: RepositoryOverrides,
  inner: Storage = memoryStorage(),
): Storage {
  const wrap = (repos: Repositories): Repositories => {
    const wrapped = { ...repos };
    for (const name of Object.keys(overrides) as Array<keyof Repositories>) {
      Object.assign(wrapped, {
        [name]: Object.assign(Object.create(repos[name]), overrides[name]),
      });
    }
    return wrapped;
  };
  const outside = wrap(inner);
  return {
    ...outside,
    engine: inner.engine,
    transaction: (work) => inner.transaction((repos) => work(wrap(repos))),
    migrate: () => inner.migrate(),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}
