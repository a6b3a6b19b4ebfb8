import type { FastifyInstance } from 'fastify';
import secureJson from 'secure-json-parse';
import { AppError } from '../lib/app-error.js';

// Bodies must be UTF-8 (SPEC §1): invalid bytes are refused rather than silently replaced with
// U+FFFD, which would store something other than what the client sent.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/**
 * Only JSON bodies are accepted (anything else is 415). An empty body with a JSON content type is
 * treated as no body, since many clients send the header on every request. `__proto__` and
 * `constructor.prototype` keys are refused, so a body can never reach an object's prototype.
 */
export function registerJsonBodyParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(
    /^application\/([\w.+-]+\+)?json(\s*;.*)?$/i,
    { parseAs: 'buffer' },
    (_request, body, done) => {
      let text: string;
      try {
        text = utf8.decode(body as Buffer);
      } catch {
        done(new AppError('invalid_json', 'The request body is not valid UTF-8.'), undefined);
        return;
      }
      if (text.trim() === '') {
        done(null, undefined);
        return;
      }
      try {
        done(
          null,
          secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' }),
        );
      } catch {
        done(new AppError('invalid_json', 'The request body is not valid JSON.'), undefined);
      }
    },
  );
}
