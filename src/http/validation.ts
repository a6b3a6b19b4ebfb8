import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import {
  isCalendarDate,
  isDocumentImage,
  isPlainText,
  isPrintableText,
  normaliseCountry,
  normalisePhone,
} from '../customers/customer-rules.js';

/**
 * Two Ajv instances: bodies are validated as sent (a number is not a name), while query strings
 * and path parameters, which are always text on the wire, are coerced to their schema types.
 * Both report every error (`allErrors`) and never drop unknown properties silently, so the
 * Laravel-style field map lists all that is wrong at once.
 */
function createAjv(options: Options): Ajv {
  const ajv = new Ajv({
    allErrors: true,
    removeAdditional: false,
    strict: false,
    messages: false,
    // Errors carry their schema, so messages can use annotations such as `x-read-only`.
    verbose: true,
    // The schemas are TypeBox-built constants, correct or not at build time; checking each one
    // against the meta-schema again at every start was a tenth of the start-up.
    validateSchema: false,
    ...options,
  });
  addFormats.default(ajv, ['email', 'date', 'date-time']);
  ajv.addFormat('customer-text', isPrintableText);
  ajv.addFormat('plain-text', isPlainText);
  ajv.addFormat('e164-phone', (value: string) => normalisePhone(value) !== undefined);
  ajv.addFormat('country-alpha3', (value: string) => normaliseCountry(value) !== undefined);
  ajv.addFormat('document-image', isDocumentImage);
  ajv.addFormat('calendar-date', isCalendarDate);
  // OpenAPI annotations that Ajv should ignore.
  ajv.addKeyword('example');
  return ajv;
}

export function createValidatorCompiler(): FastifySchemaCompiler<unknown> {
  const bodyAjv = createAjv({ coerceTypes: false, useDefaults: false });
  const textAjv = createAjv({ coerceTypes: 'array', useDefaults: true });
  return ({ schema, httpPart }) => {
    const ajv = httpPart === 'body' ? bodyAjv : textAjv;
    return ajv.compile(schema as object);
  };
}
