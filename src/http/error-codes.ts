import type { ErrorCode } from '../lib/app-error.js';

/** Each error code's HTTP status: the one table that ties failures to HTTP. */
export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  unauthenticated: 401,
  invalid_credentials: 401,
  route_not_found: 404,
  customer_not_found: 404,
  webhook_not_found: 404,
  webhook_delivery_not_found: 404,
  method_not_allowed: 405,
  invalid_json: 400,
  bad_request: 400,
  idempotency_key_missing: 400,
  idempotency_key_invalid: 400,
  idempotency_key_in_use: 409,
  kyc_invalid_transition: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  rate_limited: 429,
  internal_error: 500,
  service_unavailable: 503,
};

export const VALIDATION_STATUS = 422;
