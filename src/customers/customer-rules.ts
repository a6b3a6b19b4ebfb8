// The library's index alone: its default entry registers the country names of ~80 languages,
// megabytes of heap for a lookup of codes.
import countries from 'i18n-iso-countries/index.js';
import {
  type CountryCode,
  Metadata,
  type MetadataJson,
  type PhoneNumber,
  parsePhoneNumberFromString,
} from 'libphonenumber-js/core';
// The metadata `libphonenumber-js` itself parses with by default.
import fullMetadata from 'libphonenumber-js/min/metadata';

/**
 * Value rules for customer fields, shared by request validation (as Ajv formats, so every
 * invalid field is reported in one pass) and by the service that normalises what it stores.
 */

/**
 * Numbers parsed lately and their answers. Each create or update asks twice for its number —
 * the request schema's `e164-phone` format, then the service storing the normal form — and
 * parsing was ~4 % of a create's CPU each time. Between the two the request may wait for a
 * group commit behind a few hundred others, so one remembered answer would not do; a bounded
 * map does, and being keyed by the exact text it can only give the answer parsing gives.
 */
const recentPhones = new Map<string, string | undefined>();
const RECENT_PHONES = 1024;

/**
 * The same metadata with only the main country of each calling code (the first listed: parsing
 * reads every number of a calling code by that country's plan). Parsing with it skips finding
 * which of the countries sharing a calling code a number belongs to: for +1 that tries ~25
 * countries' patterns, each compiled anew, and it was ~10 % of a create's CPU. The country found
 * changes the answer in two places only (`SharedCallingCode`); there the full parse decides.
 */
const mainCountryOnly: MetadataJson = {
  ...fullMetadata,
  country_calling_codes: Object.fromEntries(
    Object.entries(fullMetadata.country_calling_codes).map(([code, countries]) => [
      code,
      countries.slice(0, 1),
    ]),
  ),
};

/** What can make the answer depend on which of the countries sharing a calling code is found. */
interface SharedCallingCode {
  /**
   * Where the main plan finds a national prefix to strip (`+44 0…`), the full parse keeps the
   * shorter number only if it is long enough for the country found.
   */
  nationalPrefix: RegExp | undefined;
  /** National-number lengths possible in some of the sharing countries but not in all. */
  disputedLengths: Set<number>;
}

// `nationalPrefixForParsing` is what the library's parse reads, though its types leave it out.
type PlanMetadata = Metadata & { nationalPrefixForParsing(): string | undefined };

function planOf(countryOrCallingCode: string): PlanMetadata {
  const metadata = new Metadata(fullMetadata) as PlanMetadata;
  metadata.selectNumberingPlan(countryOrCallingCode as CountryCode);
  return metadata;
}

const sharedCallingCodes = new Map<string, SharedCallingCode>(
  Object.entries(fullMetadata.country_calling_codes)
    .filter(([, countries]) => countries.length > 1)
    .map(([code, countries]) => {
      const lengthsOf = countries.map(
        (country) => planOf(country).numberingPlan?.possibleLengths() ?? [],
      );
      const prefix = planOf(code).nationalPrefixForParsing();
      return [
        code,
        {
          // Anchored as the library anchors it.
          nationalPrefix: prefix ? new RegExp(`^(?:${prefix})`) : undefined,
          disputedLengths: new Set(
            lengthsOf
              .flat()
              .filter((length) => !lengthsOf.every((lengths) => lengths.includes(length))),
          ),
        },
      ];
    }),
);

/**
 * The number `parsePhoneNumberFromString` reads from E.164 text, and as possible or not as it
 * finds it; its `country` may be only the calling code's main one.
 */
function parseE164(value: string): PhoneNumber | undefined {
  const quick = parsePhoneNumberFromString(value, mainCountryOnly);
  if (!quick) return undefined;
  const shared = sharedCallingCodes.get(quick.countryCallingCode);
  if (!shared) return quick;
  const afterCallingCode = value.slice(1 + quick.countryCallingCode.length);
  const countryMatters =
    shared.nationalPrefix?.test(afterCallingCode) ||
    shared.disputedLengths.has(quick.nationalNumber.length);
  return countryMatters ? parsePhoneNumberFromString(value, fullMetadata) : quick;
}

/** E.164 (`+` and 2–15 digits) and a possible length for its country calling code. */
export function normalisePhone(value: string): string | undefined {
  // Checked first, so only short texts are ever remembered.
  if (!/^\+[1-9]\d{1,14}$/.test(value)) return undefined;
  if (recentPhones.has(value)) return recentPhones.get(value);
  const phone = parseE164(value);
  const normalised = phone?.isPossible() ? phone.number : undefined;
  if (recentPhones.size >= RECENT_PHONES) recentPhones.clear();
  recentPhones.set(value, normalised);
  return normalised;
}

/** ISO 3166-1 alpha-3, any case in, upper case out. */
export function normaliseCountry(value: string): string | undefined {
  const upper = value.toUpperCase();
  return /^[A-Z]{3}$/.test(upper) && countries.alpha3ToAlpha2(upper) !== undefined
    ? upper
    : undefined;
}

// C0 and C1 controls, DEL, and the bidi overrides/isolates that can disguise a name.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const FORBIDDEN_IN_TEXT = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

// Half of a UTF-16 pair (`"\ud800"` is valid JSON): it has no UTF-8 form, so the database
// would store it as replacement characters and return something else than was acknowledged.
const LONE_SURROGATE = /\p{Cs}/u;

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Text that is only compared, never stored (search terms, login fields): no control characters
 * (PostgreSQL cannot even receive NUL in a text parameter) and no lone surrogates.
 */
export function isPlainText(value: string): boolean {
  return !CONTROL_CHARACTERS.test(value) && !LONE_SURROGATE.test(value);
}

/**
 * Free text that is stored and shown: not blank once trimmed, no control characters. The empty
 * string passes here because `minLength` reports it (as "required", like Laravel), once.
 */
export function isPrintableText(value: string): boolean {
  return (
    value === '' ||
    (value.trim().length > 0 && !FORBIDDEN_IN_TEXT.test(value) && !LONE_SURROGATE.test(value))
  );
}

export const MAX_DOCUMENT_IMAGE_BYTES = 5 * 1024 * 1024;

const BASE64_BODY = /^[A-Za-z0-9+/]*={0,2}$/;

/** Base64 image, optionally as a data URI, at most 5 MiB once decoded. */
export function isDocumentImage(value: string): boolean {
  const body = value.startsWith('data:') ? value.slice(value.indexOf(',') + 1) : value;
  if (body.length === 0 || body.length % 4 !== 0 || !BASE64_BODY.test(body)) return false;
  const padding = body.endsWith('==') ? 2 : body.endsWith('=') ? 1 : 0;
  return (body.length / 4) * 3 - padding <= MAX_DOCUMENT_IMAGE_BYTES;
}

/** A calendar date `YYYY-MM-DD` that exists. */
export function isCalendarDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(value);
}
