import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run bench -- [options]

  --quick                 CI smoke run: 2,000 customers, 2 s per scenario (defaults below change)
  --customers N           customers to seed (default 100000; quick 2000)
  --businesses N          businesses they are spread over (default 10)
  --duration S            seconds of load per scenario and per bare reference (default 10; quick 2)
  --warmup S              unmeasured load before each measurement (default 1; quick 0.3)
  --connections N         concurrent connections (default 50)
  --runs N                repeat the whole set N times and report medians (default 1)
  --scenarios a,b         only these scenarios (default all: ${'retrieve,list,list_deep,list_filter,create,login'})
  --database-url URL      also run on this PostgreSQL (default: env DATABASE_URL if postgres://)
  --no-sqlite             skip SQLite (only with a PostgreSQL URL)
  --scale                 run the scale checks (on by default when --customers >= 1000000)
  --scale-small N         customers in one business, scale baseline (default 10000; quick 1000)
  --scale-large N         customers in one business, scale target (default 1000000; quick 20000)
  --commit-seconds S      length of the single-commit loop (default 2; quick 1)
  --wrk / --no-wrk        also load with wrk when installed (default: on, except with --quick)
  --out FILE              results file (default bench/results/latest.json; quick: quick.json)
  --help`;

export const ALL_SCENARIOS = ['retrieve', 'list', 'list_deep', 'list_filter', 'create', 'login'];

/**
 * @typedef {object} BenchOptions
 * @property {boolean} quick
 * @property {number} customers
 * @property {number} businesses
 * @property {number} duration
 * @property {number} warmup
 * @property {number} connections
 * @property {number} runs
 * @property {string[]} scenarios
 * @property {string[]} engines 'sqlite' and/or 'postgres'
 * @property {string | undefined} postgresUrl
 * @property {boolean} scale
 * @property {number} scaleSmall
 * @property {number} scaleLarge
 * @property {number} commitSeconds
 * @property {boolean} wrk
 * @property {string} out
 */

function positive(name, raw, fallback, { integer = true } = {}) {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new Error(`--${name} must be a positive ${integer ? 'whole ' : ''}number (got "${raw}")`);
  }
  return value;
}

/**
 * @param {string[]} argv
 * @param {Record<string, string | undefined>} env
 * @returns {BenchOptions | undefined} undefined when --help was asked
 */
export function parseOptions(argv, env) {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      customers: { type: 'string' },
      businesses: { type: 'string' },
      duration: { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      runs: { type: 'string' },
      scenarios: { type: 'string' },
      'database-url': { type: 'string' },
      'no-sqlite': { type: 'boolean', default: false },
      scale: { type: 'boolean', default: false },
      'scale-small': { type: 'string' },
      'scale-large': { type: 'string' },
      'commit-seconds': { type: 'string' },
      wrk: { type: 'boolean' },
      'no-wrk': { type: 'boolean', default: false },
      out: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (values.help) return undefined;
  const quick = values.quick;
  const customers = positive('customers', values.customers, quick ? 2000 : 100_000);
  const businesses = positive('businesses', values.businesses, 10);
  if (businesses > customers) throw new Error('--businesses must not exceed --customers');

  const scenarios = values.scenarios
    ? values.scenarios.split(',').map((s) => s.trim())
    : ALL_SCENARIOS;
  const unknown = scenarios.filter((s) => !ALL_SCENARIOS.includes(s));
  if (unknown.length > 0) throw new Error(`unknown scenario(s): ${unknown.join(', ')}`);

  const urlFromEnv = /^postgres(ql)?:\/\//.test(env.DATABASE_URL ?? '')
    ? env.DATABASE_URL
    : undefined;
  const postgresUrl = values['database-url'] ?? urlFromEnv;
  if (postgresUrl !== undefined && !/^postgres(ql)?:\/\//.test(postgresUrl)) {
    throw new Error('--database-url must be a postgres:// URL (SQLite always runs on a temp file)');
  }
  const engines = [];
  if (!values['no-sqlite']) engines.push('sqlite');
  if (postgresUrl) engines.push('postgres');
  if (engines.length === 0) throw new Error('--no-sqlite needs a PostgreSQL URL');

  return {
    quick,
    customers,
    businesses,
    duration: positive('duration', values.duration, quick ? 2 : 10, { integer: false }),
    warmup: positive('warmup', values.warmup, quick ? 0.3 : 1, { integer: false }),
    connections: positive('connections', values.connections, 50),
    runs: positive('runs', values.runs, 1),
    scenarios,
    engines,
    postgresUrl,
    scale: values.scale || customers >= 1_000_000,
    scaleSmall: positive('scale-small', values['scale-small'], quick ? 1000 : 10_000),
    scaleLarge: positive('scale-large', values['scale-large'], quick ? 20_000 : 1_000_000),
    commitSeconds: positive('commit-seconds', values['commit-seconds'], quick ? 1 : 2, {
      integer: false,
    }),
    wrk: values['no-wrk'] ? false : (values.wrk ?? !quick),
    out: values.out ?? (quick ? 'bench/results/quick.json' : 'bench/results/latest.json'),
  };
}
