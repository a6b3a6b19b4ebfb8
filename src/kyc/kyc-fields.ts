import { type Static, Type } from '@sinclair/typebox';
import { CountryCodeSchema } from '../customers/customer-fields.js';
import { isCalendarDate } from '../customers/customer-rules.js';
import { addFieldError, type FieldErrors } from '../lib/app-error.js';
import { StringEnum } from '../lib/string-enum.js';

/**
 * The KYC/KYB submission body of SPEC §10, one schema for both types: Ajv checks every field's
 * shape in one pass, and `typeFieldErrors` adds what depends on `type` (required or prohibited
 * fields, a birth date in the past), so the 422 lists everything wrong at once.
 */
const text = (maxLength: number, example?: string) =>
  Type.String({
    minLength: 1,
    maxLength,
    format: 'customer-text',
    ...(example && { examples: [example] }),
  });

export const KYC_TYPES = ['individual', 'business'] as const;
export const BUSINESS_TYPES = ['sole_proprietorship', 'partnership', 'corporation'] as const;
/** Documents per submission; the route's body limit is sized for this many 5 MiB images. */
export const MAX_KYC_DOCUMENTS = 4;

export const KycAddressSchema = Type.Object(
  {
    street_line_1: text(255, '1234 Elm Street'),
    street_line_2: Type.Optional(text(255)),
    city: text(255, 'Anytown'),
    state: text(255, 'CA'),
    postal_code: text(32, '12345'),
    country: CountryCodeSchema,
  },
  { additionalProperties: false },
);

export const KycDocumentSchema = Type.Object(
  {
    purposes: Type.Array(text(100, 'identity_verification'), { minItems: 1, maxItems: 10 }),
    file: Type.String({ format: 'document-image', description: 'base64 image, ≤ 5 MiB decoded' }),
    description: Type.Optional(text(255, 'Passport, photo page')),
  },
  { additionalProperties: false },
);

export const KycSubmissionSchema = Type.Object(
  {
    customer_id: Type.String({ description: 'The customer to verify (UUID)' }),
    type: StringEnum(KYC_TYPES, { description: "must match the customer's customer_type" }),
    first_name: Type.Optional(text(1024, 'Jane')),
    middle_name: Type.Optional(text(1024)),
    last_name: Type.Optional(text(1024, 'Doe')),
    birth_date: Type.Optional(
      Type.String({ format: 'calendar-date', description: 'YYYY-MM-DD, before today' }),
    ),
    nationality: Type.Optional(CountryCodeSchema),
    address: Type.Optional(KycAddressSchema),
    business_name: Type.Optional(text(255, 'Acme Trading LLC')),
    business_type: Type.Optional(StringEnum(BUSINESS_TYPES)),
    registration_number: Type.Optional(text(100)),
    tax_identification_number: Type.Optional(text(100)),
    business_address: Type.Optional(KycAddressSchema),
    documents: Type.Array(KycDocumentSchema, { minItems: 1, maxItems: MAX_KYC_DOCUMENTS }),
  },
  { additionalProperties: false },
);
export type KycSubmissionInput = Static<typeof KycSubmissionSchema>;

const INDIVIDUAL_REQUIRED = ['first_name', 'last_name', 'birth_date', 'address'] as const;
const INDIVIDUAL_ONLY = [...INDIVIDUAL_REQUIRED, 'middle_name', 'nationality'] as const;
const BUSINESS_REQUIRED = [
  'business_name',
  'business_type',
  'registration_number',
  'business_address',
] as const;
const BUSINESS_ONLY = [...BUSINESS_REQUIRED, 'tax_identification_number'] as const;

/**
 * The rules that depend on `type`, added to the schema's field map (`errors`, possibly empty).
 * `today` is `YYYY-MM-DD` in UTC. Returns the map, or undefined when the body is valid.
 */
export function typeFieldErrors(
  body: unknown,
  errors: FieldErrors,
  today: string,
): FieldErrors | undefined {
  const fields = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const type = fields.type;
  if (type === 'individual' || type === 'business') {
    const [required, prohibited] =
      type === 'individual'
        ? [INDIVIDUAL_REQUIRED, BUSINESS_ONLY]
        : [BUSINESS_REQUIRED, INDIVIDUAL_ONLY];
    for (const field of required) {
      if (fields[field] === undefined)
        addFieldError(errors, field, `The ${field} field is required.`);
    }
    for (const field of prohibited) {
      if (fields[field] !== undefined) {
        addFieldError(errors, field, `The ${field} field is prohibited when type is ${type}.`);
      }
    }
  }
  const birthDate = fields.birth_date;
  if (typeof birthDate === 'string' && isCalendarDate(birthDate) && birthDate >= today) {
    addFieldError(errors, 'birth_date', 'The birth_date field must be a date before today.');
  }
  return Object.keys(errors).length > 0 ? errors : undefined;
}

/** The name the sandbox provider reads its instruction from. */
export function decisiveName(input: KycSubmissionInput): string {
  return (input.type === 'business' ? input.business_name : input.last_name) ?? '';
}
