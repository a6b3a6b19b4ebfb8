import pino, { type DestinationStream, type Logger } from 'pino';

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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, destination);
}
