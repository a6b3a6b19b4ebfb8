import { type Static, Type } from '@sinclair/typebox';
import { StringEnum } from '../lib/string-enum.js';

/**
 * JSON schemas of the customer's writable fields. The route schemas compose these, Ajv validates
 * with them, and the OpenAPI document is generated from them: one definition, three uses.
 * Formats `customer-text`, `e164-phone`, `country-alpha3`, `document-image` and `calendar-date`
 * are registered in http/validation.ts from customer-rules.ts.
 */
export const CUSTOMER_TYPES = ['individual', 'business'] as const;
export const CUSTOMER_STATUSES = ['pending', 'active', 'suspended'] as const;
export const KYC_STATUSES = [
  'not_started',
  'pending',
  'incomplete',
  'awaiting_ubo',
  'manual_review',
  'under_review',
  'approved',
  'rejected',
] as const;

/** Fields a client may read but never write; sending one is a 422 that says so. */
export const READ_ONLY_CUSTOMER_FIELDS = [
  'customer_id',
  'customer_status',
  'customer_kyc_status',
  'customer_kyc_reject_reason',
  'can_create_vc',
  'can_create_va',
  'kyc_verified_date',
  'created_at',
  'updated_at',
] as const;

const text = (maxLength: number, example?: string) =>
  Type.String({
    minLength: 1,
    maxLength,
    format: 'customer-text',
    ...(example && { examples: [example] }),
  });

export const CountryCodeSchema = Type.String({
  format: 'country-alpha3',
  description: 'ISO 3166-1 alpha-3, any case; stored upper-case',
  examples: ['USA'],
});

export const CustomerAddressSchema = Type.Object(
  {
    city: Type.Optional(text(255, 'Anytown')),
    state: Type.Optional(text(255, 'Anystate')),
    zipcode: Type.Optional(text(255, '12345')),
    street: Type.Optional(text(255, '1234 Elm Street')),
    number: Type.Optional(text(255, '5678')),
    country: Type.Optional(CountryCodeSchema),
  },
  { additionalProperties: false },
);
export type CustomerAddressInput = Static<typeof CustomerAddressSchema>;

/** The address, or null to clear it. A plain `type: [object, null]` keeps Ajv's errors about
 * the address itself instead of one per union branch. */
export const NullableAddressSchema = Type.Unsafe<CustomerAddressInput | null>({
  ...CustomerAddressSchema,
  type: ['object', 'null'],
});

export const IdentityDocumentFields = {
  customer_idType: Type.Optional(text(50, 'passport')),
  customer_idNumber: Type.Optional(text(100)),
  customer_idCountry: Type.Optional(CountryCodeSchema),
  customer_idExpiration: Type.Optional(
    Type.String({ format: 'calendar-date', examples: ['2030-12-31'] }),
  ),
  customer_idFront: Type.Optional(
    Type.String({ format: 'document-image', description: 'base64 image, ≤ 5 MiB decoded' }),
  ),
  customer_idBack: Type.Optional(
    Type.String({ format: 'document-image', description: 'base64 image, ≤ 5 MiB decoded' }),
  ),
};
export const IDENTITY_DOCUMENT_FIELDS = Object.keys(IdentityDocumentFields) as Array<
  keyof typeof IdentityDocumentFields
>;

export const WritableCustomerFields = {
  customer_name: text(255, 'Test Customer'),
  customer_email: Type.String({
    format: 'email',
    maxLength: 254,
    examples: ['customer@example.com'],
  }),
  customer_phone: Type.String({
    format: 'e164-phone',
    description: 'E.164, e.g. +19203751411; stored normalised',
    examples: ['+19203751411'],
  }),
  customer_country: CountryCodeSchema,
  customer_type: StringEnum(CUSTOMER_TYPES, { description: 'default individual' }),
  customer_address: NullableAddressSchema,
};

/** Every writable field, all optional: what the service accepts for both create and update. */
export const CustomerInputSchema = Type.Object(
  {
    customer_name: Type.Optional(WritableCustomerFields.customer_name),
    customer_email: Type.Optional(WritableCustomerFields.customer_email),
    customer_phone: Type.Optional(WritableCustomerFields.customer_phone),
    customer_country: Type.Optional(WritableCustomerFields.customer_country),
    customer_type: Type.Optional(WritableCustomerFields.customer_type),
    customer_address: Type.Optional(WritableCustomerFields.customer_address),
    ...IdentityDocumentFields,
  },
  { additionalProperties: false },
);
export type CustomerInput = Static<typeof CustomerInputSchema>;
export type NewCustomerInput = CustomerInput &
  Required<
    Pick<CustomerInput, 'customer_name' | 'customer_email' | 'customer_phone' | 'customer_country'>
  >;
