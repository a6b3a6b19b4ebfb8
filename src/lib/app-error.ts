/**
 * The closed set of failure codes a client can see. Domain code throws these without knowing
 * HTTP; http/error-codes.ts maps each one to its status once.
 */
export type ErrorCode =
  | 'unauthenticated'
  | 'invalid_credentials'
  | 'route_not_found'
  | 'method_not_allowed'
  | 'invalid_json'
  | 'unsupported_media_type'
  | 'payload_too_large'
  | 'bad_request'
  | 'rate_limited'
  | 'internal_error'
  | 'service_unavailable'
  | 'customer_not_found'
  | 'webhook_not_found'
  | 'webhook_delivery_not_found'
  | 'idempotency_key_missing'
  | 'idempotency_key_invalid'
  | 'idempotency_key_reused'
  | 'idempotency_key_in_use'
  | 'kyc_invalid_transition';

export interface AppErrorOptions {
  /** Seconds the client should wait before retrying (429, 409, 503). */
  retryAfterSeconds?: number;
  /** Methods a known route accepts (405). */
  allow?: readonly string[];
}

export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** For people; may change. `code` is the stable part. */
    message: string,
    readonly options: AppErrorOptions = {},
  ) {
    super(message);
  }
}

/** Field-level validation failures, Laravel style: every invalid field with its messages. */
export type FieldErrors = Record<string, string[]>;

export class FieldValidationError extends Error {
  constructor(readonly fields: FieldErrors) {
    super('The given data was invalid.');
  }
}

/** Field names come from the client: `constructor` or `toString` must not find Object's own. */
export function addFieldError(errors: FieldErrors, field: string, message: string): void {
  const messages = Object.hasOwn(errors, field) ? errors[field] : undefined;
  if (messages === undefined) {
    Object.defineProperty(errors, field, {
      value: [message],
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else if (!messages.includes(message)) messages.push(message);
}
