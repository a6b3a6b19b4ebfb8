import { type TSchema, Type } from '@sinclair/typebox';
import type { FieldErrors } from '../lib/app-error.js';

/** The content type of every response body of the API. */
export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** The response body shapes of SPEC §1: HTTP status and `status_code` are always equal. */
export interface SuccessEnvelope<T> {
  status: 'success';
  status_code: number;
  message: string;
  data: T;
}

export interface FailureEnvelope {
  status: 'failed';
  status_code: number;
  message: 'Request failed.';
  data: { error: string; code: string } | FieldErrors;
}

export function success<T>(statusCode: number, message: string, data: T): SuccessEnvelope<T> {
  return { status: 'success', status_code: statusCode, message, data };
}

export function failure(statusCode: number, data: FailureEnvelope['data']): FailureEnvelope {
  return { status: 'failed', status_code: statusCode, message: 'Request failed.', data };
}

/** Response schema of a success envelope around `data`, for serialisation and OpenAPI. */
export function SuccessEnvelopeSchema<T extends TSchema>(
  statusCode: number,
  message: string,
  data: T,
  extra: Record<string, TSchema> = {},
) {
  return Type.Object({
    status: Type.Literal('success'),
    status_code: Type.Literal(statusCode),
    message: Type.String({ examples: [message] }),
    data,
    ...extra,
  });
}

export const ErrorEnvelopeSchema = Type.Object(
  {
    status: Type.Literal('failed'),
    status_code: Type.Integer(),
    message: Type.Literal('Request failed.'),
    data: Type.Union([
      Type.Object({ error: Type.String(), code: Type.String() }),
      Type.Record(Type.String(), Type.Array(Type.String()), {
        description: 'Validation errors: field → messages (HTTP 422)',
      }),
    ]),
  },
  { $id: 'ErrorEnvelope', description: 'Every failure, whatever the route' },
);
