import type { ErrorObject } from 'ajv';
import type { FastifyRequest } from 'fastify';
import { addFieldError, type FieldErrors } from '../lib/app-error.js';

/**
 * Ajv errors → the Laravel-style field map of SPEC §1. Nested fields are dotted
 * (`customer_address.city`); a body that is not an object is reported under `body`.
 * Object schemas may list `x-read-only` property names: sending one of those gets "read-only"
 * instead of "not allowed".
 */
const FORMAT_MESSAGES: Record<string, string> = {
  email: 'must be a valid email address',
  'e164-phone': 'must be a valid phone number in E.164 format, e.g. +19203751411',
  'country-alpha3': 'must be a valid ISO 3166-1 alpha-3 country code, e.g. USA',
  'customer-text': 'must not be blank or contain control characters',
  'plain-text': 'must not contain control characters',
  'document-image': 'must be a base64-encoded image of at most 5 MiB',
  'calendar-date': 'must be a valid date in YYYY-MM-DD format',
  date: 'must be a valid date in YYYY-MM-DD format',
  'date-time': 'must be a valid ISO-8601 timestamp',
};

function pathToField(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function join(parent: string, child: string): string {
  return parent === '' ? child : `${parent}.${child}`;
}

function readOnlyNames(error: ErrorObject): unknown[] {
  const names = (error.parentSchema as Record<string, unknown> | undefined)?.['x-read-only'];
  return Array.isArray(names) ? names : [];
}

function describe(error: ErrorObject, root: string): [field: string, message: string] {
  const at = pathToField(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required': {
      const field = join(at, String(params.missingProperty));
      return [field, `The ${field} field is required.`];
    }
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const field = join(at, name);
      const readOnly = readOnlyNames(error).includes(name);
      return [field, `The ${field} field is ${readOnly ? 'read-only' : 'not allowed'}.`];
    }
    case 'type': {
      if (at === '') return [root, `The request ${root} must be a JSON ${params.type}.`];
      const expected = String(params.type).replace(',', ' or ');
      return [at, `The ${at} field must be ${/^[aeiou]/.test(expected) ? 'an' : 'a'} ${expected}.`];
    }
    case 'format':
      return [at, `The ${at} field ${FORMAT_MESSAGES[String(params.format)] ?? 'is invalid'}.`];
    case 'minLength':
      return params.limit === 1
        ? [at, `The ${at} field is required.`]
        : [at, `The ${at} field must be at least ${params.limit} characters.`];
    case 'maxLength':
      return [at, `The ${at} field must not be greater than ${params.limit} characters.`];
    case 'minimum':
      return [at, `The ${at} field must be at least ${params.limit}.`];
    case 'maximum':
      return [at, `The ${at} field must not be greater than ${params.limit}.`];
    case 'enum':
      return [at, `The selected ${at} is invalid.`];
    case 'minItems':
      return [at, `The ${at} field must have at least ${params.limit} items.`];
    case 'maxItems':
      return [at, `The ${at} field must not have more than ${params.limit} items.`];
    default:
      return [at === '' ? root : at, `The ${at === '' ? root : at} field is invalid.`];
  }
}

export function fieldErrorsFromAjv(errors: readonly ErrorObject[], part: string): FieldErrors {
  const root = part === 'querystring' ? 'query' : part;
  const fields: FieldErrors = {};
  for (const error of errors) {
    const [field, message] = describe(error, root);
    addFieldError(fields, field, message);
  }
  return fields;
}

/** The field map of a request validated with `attachValidation`, or undefined when it is valid. */
export function fieldErrorsOf(request: FastifyRequest): FieldErrors | undefined {
  const error = request.validationError;
  if (!error) return undefined;
  return fieldErrorsFromAjv(error.validation as ErrorObject[], error.validationContext);
}
