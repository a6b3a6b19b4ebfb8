import { Type } from '@sinclair/typebox';
import { KYC_STATUSES } from '../../customers/customer-fields.js';
import { MAX_DOCUMENT_IMAGE_BYTES } from '../../customers/customer-rules.js';
import { ErrorEnvelopeSchema } from '../../http/envelope.js';
import { MAX_KYC_DOCUMENTS } from '../../kyc/kyc-fields.js';
import { StringEnum } from '../../lib/string-enum.js';

/** What submit and resubmit answer: the submission is in, the provider will decide. */
export const KycSubmittedSchema = Type.Object({
  customer_id: Type.String({ format: 'uuid' }),
  status: Type.Literal('under_review'),
});

/** Error responses of the KYC write routes. */
export const KYC_WRITE_ERRORS = {
  400: ErrorEnvelopeSchema,
  401: ErrorEnvelopeSchema,
  404: ErrorEnvelopeSchema,
  409: ErrorEnvelopeSchema,
  422: ErrorEnvelopeSchema,
  429: ErrorEnvelopeSchema,
};

export const KYC_SUBMIT_DESCRIPTION =
  'Requires `Idempotency-Key`. Personal fields, id numbers and documents are stored encrypted and ' +
  'never returned. `last_name` (or `business_name`) `Reject`, `Review` or `Incomplete` steers the ' +
  'sandbox provider; anything else is approved.';

/** Room for the largest valid submission: every document a 5 MiB image in base64, plus fields. */
export const KYC_WRITE_BODY_LIMIT =
  MAX_KYC_DOCUMENTS * Math.ceil((MAX_DOCUMENT_IMAGE_BYTES * 4) / 3) + 1024 * 1024;

export const KycStatusValues = StringEnum(KYC_STATUSES);
