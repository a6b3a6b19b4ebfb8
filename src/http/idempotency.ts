import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../lib/app-error.js';
import type { Clock } from '../lib/clock.js';
import type { DataCipher } from '../lib/encryption.js';
import { toTimestamp } from '../lib/timestamps.js';
import type { IdempotencyRecord } from '../storage/records.js';
import type { Repositories, Storage } from '../storage/storage.js';
import { principalOf } from './authenticate.js';
import { JSON_CONTENT_TYPE } from './envelope.js';
import { clientErrorResponse } from './error-handler.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `requireIdempotencyKey` on the routes that need one. */
    idempotencyKey?: string;
  }
}

/** What an idempotent operation answers; stored and replayed byte for byte. */
export interface IdempotentResponse {
  statusCode: number;
  body: unknown;
}

interface Outcome {
  statusCode: number;
  json: string;
  replayed: boolean;
}

const PRINTABLE_ASCII_KEY = /^[\x20-\x7e]{1,255}$/;
const IN_USE_RETRY_AFTER_SECONDS = 1;

/** Thrown inside the transaction when another request already holds the key. */
class KeyTakenError extends Error {}

/** JSON with object keys sorted at every depth, so key order does not change the fingerprint. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? '';
}

export async function requireIdempotencyKey(request: FastifyRequest): Promise<void> {
  const key = request.headers['idempotency-key'];
  if (key === undefined || key === '') {
    throw new AppError('idempotency_key_missing', 'Idempotency-Key is required for this request.');
  }
  if (typeof key !== 'string' || !PRINTABLE_ASCII_KEY.test(key)) {
    throw new AppError(
      'idempotency_key_invalid',
      'Idempotency-Key must be 1 to 255 printable ASCII characters.',
    );
  }
  request.idempotencyKey = key;
}

/**
 * Runs a write at most once per (business, key) — SPEC §5. The key is claimed, the change made and
 * the response recorded in one transaction, so a crash can neither apply a change without its
 * record nor keep a record without its change. Concurrent requests with the key get 409 (same
 * process) or wait for the first transaction and replay it (another instance, PostgreSQL).
 * 2xx and 4xx outcomes are kept; 5xx ones are not, so the client may retry.
 * Stored responses are encrypted: they can hold personal data or a freshly issued secret.
 */
export class IdempotencyGuard {
  private readonly inFlight = new Set<string>();

  constructor(
    private readonly storage: Storage,
    private readonly clock: Clock,
    private readonly cipher: DataCipher,
    private readonly ttlSeconds: number,
  ) {}

  async run(
    request: FastifyRequest,
    reply: FastifyReply,
    work: (repos: Repositories) => Promise<IdempotentResponse>,
  ): Promise<void> {
    const { businessId } = principalOf(request);
    const key = request.idempotencyKey;
    if (key === undefined) throw new Error('run() needs the requireIdempotencyKey hook');
    const slot = `${businessId}\u0000${key}`;
    if (this.inFlight.has(slot)) {
      throw new AppError(
        'idempotency_key_in_use',
        'A request with this Idempotency-Key is in progress.',
        {
          retryAfterSeconds: IN_USE_RETRY_AFTER_SECONDS,
        },
      );
    }
    this.inFlight.add(slot);
    try {
      const outcome = await this.execute(businessId, key, this.fingerprint(request), work);
      if (outcome.replayed) reply.header('idempotent-replayed', 'true');
      await reply.code(outcome.statusCode).type(JSON_CONTENT_TYPE).send(outcome.json);
    } finally {
      this.inFlight.delete(slot);
    }
  }

  private async execute(
    businessId: string,
    key: string,
    fingerprint: string,
    work: (repos: Repositories) => Promise<IdempotentResponse>,
  ): Promise<Outcome> {
    const existing = await this.storage.idempotency.find(businessId, key, this.now());
    if (existing) return this.replay(existing, fingerprint);
    const claim = this.newRecord(businessId, key, fingerprint, 0, '');
    try {
      return await this.storage.transaction(async (repos) => {
        if (!(await repos.idempotency.tryInsert(claim))) throw new KeyTakenError();
        const response = await work(repos);
        const json = JSON.stringify(response.body);
        await repos.idempotency.complete(
          businessId,
          key,
          response.statusCode,
          this.seal(claim, json),
        );
        return { statusCode: response.statusCode, json, replayed: false };
      });
    } catch (error) {
      if (error instanceof KeyTakenError) return this.replayCommitted(businessId, key, fingerprint);
      const rejection = clientErrorResponse(error);
      if (!rejection) throw error;
      const json = JSON.stringify(rejection.body);
      const record = { ...claim, responseStatus: rejection.statusCode };
      record.responseBody = this.seal(record, json);
      const stored = await this.storage.transaction((repos) => repos.idempotency.tryInsert(record));
      if (!stored) return this.replayCommitted(businessId, key, fingerprint);
      return { statusCode: rejection.statusCode, json, replayed: false };
    }
  }

  private async replayCommitted(
    businessId: string,
    key: string,
    fingerprint: string,
  ): Promise<Outcome> {
    const record = await this.storage.idempotency.find(businessId, key, this.now());
    if (!record) {
      throw new AppError(
        'idempotency_key_in_use',
        'A request with this Idempotency-Key is in progress.',
        {
          retryAfterSeconds: IN_USE_RETRY_AFTER_SECONDS,
        },
      );
    }
    return this.replay(record, fingerprint);
  }

  private replay(record: IdempotencyRecord, fingerprint: string): Outcome {
    if (record.fingerprint !== fingerprint) {
      throw new AppError(
        'idempotency_key_reused',
        'This Idempotency-Key was already used with a different request.',
      );
    }
    const json = this.cipher.decrypt(record.responseBody, this.context(record));
    return { statusCode: record.responseStatus, json, replayed: true };
  }

  private fingerprint(request: FastifyRequest): string {
    const path = request.url.split('?')[0];
    return createHash('sha256')
      .update(`${request.method}\n${path}\n${canonicalJson(request.body)}`)
      .digest('hex');
  }

  private newRecord(
    businessId: string,
    key: string,
    fingerprint: string,
    responseStatus: number,
    responseBody: string,
  ): IdempotencyRecord {
    const now = this.clock.now();
    return {
      businessId,
      key,
      fingerprint,
      responseStatus,
      responseBody,
      createdAt: toTimestamp(now),
      expiresAt: toTimestamp(new Date(now.getTime() + this.ttlSeconds * 1000)),
    };
  }

  private seal(record: IdempotencyRecord, json: string): string {
    return this.cipher.encrypt(json, this.context(record));
  }

  private context(record: Pick<IdempotencyRecord, 'businessId' | 'key'>): string {
    return `idempotency:${record.businessId}:${record.key}`;
  }

  private now(): string {
    return toTimestamp(this.clock.now());
  }
}
