import type { FastifyBaseLogger } from 'fastify';
import pino, {
  type Bindings,
  type ChildLoggerOptions,
  type DestinationStream,
  type Logger,
} from 'pino';

/**
 * Paths never written to a log: credentials, tokens and identity documents, wherever they show
 * up in a logged object. Request bodies are not logged at all; this is the second fence.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers["x-api-secret"]',
  'req.headers.cookie',
  'headers.authorization',
  'headers["x-api-secret"]',
  '*.app_secret',
  '*.access_token',
  '*.customer_idNumber',
  '*.customer_idFront',
  '*.customer_idBack',
  '*.customer_idType',
  '*.customer_idExpiration',
  '*.customer_idCountry',
  // KYC submissions (SPEC §10).
  '*.first_name',
  '*.middle_name',
  '*.last_name',
  '*.birth_date',
  '*.nationality',
  '*.registration_number',
  '*.tax_identification_number',
  '*.documents',
  '*.submission',
];

/**
 * The request as logged: its path without the query string, because list filters (`email`,
 * `search`) carry personal data. Headers are not logged.
 */
function requestForLog(request: { method?: string; url?: string; ip?: string; id?: string }) {
  return { method: request.method, path: request.url?.split('?')[0], remoteAddress: request.ip };
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
      serializers: { req: requestForLog },
    },
    destination,
  );
}

type LevelName = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

/**
 * Fastify gives every request a child logger, and pino builds a child eagerly (serialising and
 * redacting its bindings): a measurable share of a request that, at `LOG_LEVEL=warn` or above,
 * logs nothing when it succeeds. This child is built on its first call at an enabled level (at
 * `info`, the default, Fastify's two request lines build it on every request).
 */
class LazyChildLogger {
  readonly level: string;
  private readonly threshold: number;
  private built: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: FastifyBaseLogger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {
    this.level = options.level ?? parent.level;
    this.threshold = pino.levels.values[this.level] ?? Number.POSITIVE_INFINITY;
  }

  fatal = (...args: unknown[]) => this.log('fatal', args);
  error = (...args: unknown[]) => this.log('error', args);
  warn = (...args: unknown[]) => this.log('warn', args);
  info = (...args: unknown[]) => this.log('info', args);
  debug = (...args: unknown[]) => this.log('debug', args);
  trace = (...args: unknown[]) => this.log('trace', args);
  silent = () => {};

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.logger().child(bindings, options);
  }

  private log(level: LevelName, args: unknown[]): void {
    if ((pino.levels.values[level] ?? 0) < this.threshold) return;
    (this.logger()[level] as (...logArgs: unknown[]) => void)(...args);
  }

  private logger(): FastifyBaseLogger {
    this.built ??= this.parent.child(this.bindings, this.options);
    return this.built;
  }
}

/** Whether `log` writes lines of `level` (pino's level names). */
export function isLevelEnabled(log: FastifyBaseLogger, level: LevelName): boolean {
  return (pino.levels.values[level] ?? 0) >= (pino.levels.values[log.level] ?? 0);
}

/** Fastify's `childLoggerFactory`: request loggers built on first use. */
export function lazyRequestLogger(
  logger: FastifyBaseLogger,
  bindings: Bindings,
  options: ChildLoggerOptions,
): FastifyBaseLogger {
  return new LazyChildLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}
