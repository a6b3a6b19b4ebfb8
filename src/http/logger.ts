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
