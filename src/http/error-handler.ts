import type {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
} from 'fastify';
import { AppError, FieldValidationError } from '../lib/app-error.js';
import { StorageUnavailableError } from '../storage/errors.js';
import { type FailureEnvelope, failure, JSON_CONTENT_TYPE } from './envelope.js';
import { STATUS_BY_CODE, VALIDATION_STATUS } from './error-codes.js';
import type { RouteMethods } from './route-methods.js';
import { fieldErrorsFromAjv } from './validation-errors.js';

const STORAGE_RETRY_AFTER_SECONDS = 2;

/** Fastify's own request errors, as the contract's codes. */
const FASTIFY_CODES: Record<string, AppError> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: new AppError(
    'unsupported_media_type',
    'Request bodies must be sent as application/json.',
  ),
  FST_ERR_CTP_BODY_TOO_LARGE: new AppError('payload_too_large', 'The request body is too large.'),
  FST_ERR_CTP_INVALID_JSON_BODY: new AppError(
    'invalid_json',
    'The request body is not valid JSON.',
  ),
  FST_ERR_CTP_EMPTY_JSON_BODY: new AppError('invalid_json', 'The request body is empty.'),
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: new AppError(
    'bad_request',
    'The Content-Length header does not match the body.',
  ),
};

/** A response made of an error, ready to send by Fastify or by a raw Node handler. */
export interface ErrorResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

function envelopeResponse(
  statusCode: number,
  data: Parameters<typeof failure>[1],
  headers: Record<string, string> = {},
): ErrorResponse {
  return { statusCode, headers, body: JSON.stringify(failure(statusCode, data)) };
}

function sendResponse(reply: FastifyReply, { statusCode, headers, body }: ErrorResponse) {
  return reply.code(statusCode).headers(headers).type(JSON_CONTENT_TYPE).send(body);
}

/** The status and envelope of a client error (4xx) the domain threw, or undefined for any
 * other error. Idempotency stores exactly this as the request's outcome. */
export function clientErrorResponse(
  error: unknown,
): { statusCode: number; body: FailureEnvelope } | undefined {
  if (error instanceof FieldValidationError) {
    return { statusCode: VALIDATION_STATUS, body: failure(VALIDATION_STATUS, error.fields) };
  }
  if (error instanceof AppError) {
    const statusCode = STATUS_BY_CODE[error.code];
    if (statusCode >= 500) return undefined;
    return { statusCode, body: failure(statusCode, { error: error.message, code: error.code }) };
  }
  return undefined;
}

/**
 * The contract's response for one of our errors; `headers` already set for the request (the
 * rate limit's) come first, as Fastify sends a hook's headers before the error handler's.
 */
export function appErrorResponse(
  error: AppError,
  headers: Record<string, string> = {},
): ErrorResponse {
  if (error.options.retryAfterSeconds !== undefined) {
    headers['retry-after'] = String(error.options.retryAfterSeconds);
  }
  if (error.options.allow) headers.allow = error.options.allow.join(', ');
  if (error.code === 'unauthenticated') headers['www-authenticate'] = 'Bearer';
  return envelopeResponse(
    STATUS_BY_CODE[error.code],
    { error: error.message, code: error.code },
    headers,
  );
}

export function sendAppError(reply: FastifyReply, error: AppError) {
  return sendResponse(reply, appErrorResponse(error));
}

/**
 * An error that is not the client's, as the error to answer: a database outage is a 503 to retry
 * later; anything else is a bug, logged with the request id and shown as nothing but a 500.
 */
export function serverFailure(error: unknown, log: FastifyBaseLogger): AppError {
  if (error instanceof StorageUnavailableError) {
    log.warn({ err: error.cause }, 'database unavailable');
    return new AppError('service_unavailable', 'Service temporarily unavailable.', {
      retryAfterSeconds: STORAGE_RETRY_AFTER_SECONDS,
    });
  }
  log.error({ err: error }, 'unhandled error');
  return new AppError('internal_error', 'Internal server error.');
}

/** The contract's response for a thrown error. */
function respondToError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof AppError) return sendAppError(reply, error);
  if (error instanceof FieldValidationError) {
    return sendResponse(reply, envelopeResponse(VALIDATION_STATUS, error.fields));
  }
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const fields = fieldErrorsFromAjv(
      fastifyError.validation as never,
      fastifyError.validationContext ?? 'body',
    );
    return sendResponse(reply, envelopeResponse(VALIDATION_STATUS, fields));
  }
  const known = fastifyError.code ? FASTIFY_CODES[fastifyError.code] : undefined;
  if (known) return sendAppError(reply, known);
  if (fastifyError.statusCode !== undefined && fastifyError.statusCode < 500) {
    return sendAppError(reply, new AppError('bad_request', 'The request is malformed.'));
  }
  return sendAppError(reply, serverFailure(error, request.log));
}

/** The one place that turns a thrown error into a response. */
export function registerErrorHandling(app: FastifyInstance, routeMethods: RouteMethods): void {
  app.setErrorHandler((error: FastifyError | Error, request, reply) => {
    // A bug in turning an error into a response must still answer the envelope: Fastify's
    // fallback would send the bug's own message to the client.
    try {
      return respondToError(error, request, reply);
    } catch (failure) {
      return sendAppError(reply, serverFailure(failure, request.log));
    }
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    const allow = routeMethods.allowed(path);
    if (allow.length > 0) {
      return sendAppError(
        reply,
        new AppError('method_not_allowed', `The ${request.method} method is not allowed here.`, {
          allow,
        }),
      );
    }
    return sendAppError(reply, new AppError('route_not_found', 'Route not found.'));
  });
}
