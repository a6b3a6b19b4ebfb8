import { Type } from '@sinclair/typebox';
import {
  CUSTOMER_STATUSES,
  CUSTOMER_TYPES,
  KYC_STATUSES,
} from '../../customers/customer-fields.js';
import { normaliseCountry } from '../../customers/customer-rules.js';
import type { CustomerPage } from '../../customers/customer-service.js';
import { CustomerSchema, presentCustomer } from '../../customers/customer-view.js';
import { principalOf } from '../../http/authenticate.js';
import {
  ErrorEnvelopeSchema,
  JSON_CONTENT_TYPE,
  SuccessEnvelopeSchema,
  success,
} from '../../http/envelope.js';
import { FieldValidationError } from '../../lib/app-error.js';
import { decodeCursor } from '../../lib/cursor.js';
import { StringEnum } from '../../lib/string-enum.js';
import { parseInstant } from '../../lib/timestamps.js';
import type { CustomerFilter, ListPosition } from '../../storage/records.js';
import { type App, AUTHENTICATED, type RouteContext } from '../route-context.js';
import { CUSTOMER_ROUTE_ERRORS } from './customer-schemas.js';

const MESSAGE = 'Records retrieved successfully';
const DATE_OR_TIMESTAMP =
  '^\\d{4}-\\d{2}-\\d{2}([T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})?)?$';

export const ListCustomersQuerySchema = Type.Object(
  {
    page: Type.Integer({ minimum: 1, maximum: 1_000_000_000, default: 1 }),
    per_page: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
    cursor: Type.Optional(
      Type.String({
        minLength: 1,
        format: 'plain-text',
        maxLength: 512,
        description: 'next_cursor of the previous page',
      }),
    ),
    email: Type.Optional(
      Type.String({
        minLength: 1,
        format: 'plain-text',
        maxLength: 254,
        description: 'substring; an exact match is listed first',
      }),
    ),
    search: Type.Optional(
      Type.String({
        minLength: 1,
        format: 'plain-text',
        maxLength: 255,
        description: 'substring of name, email or phone',
      }),
    ),
    country: Type.Optional(Type.String({ format: 'country-alpha3' })),
    customer_status: Type.Optional(StringEnum(CUSTOMER_STATUSES)),
    kyc_status: Type.Optional(StringEnum(KYC_STATUSES)),
    customer_type: Type.Optional(StringEnum(CUSTOMER_TYPES)),
    created_from: Type.Optional(
      Type.String({ pattern: DATE_OR_TIMESTAMP, description: 'ISO date or timestamp, inclusive' }),
    ),
    created_to: Type.Optional(
      Type.String({ pattern: DATE_OR_TIMESTAMP, description: 'ISO date or timestamp, inclusive' }),
    ),
  },
  { additionalProperties: false },
);
type ListCustomersQuery = typeof ListCustomersQuerySchema.static;

const PaginationSchema = Type.Object({
  total: Type.Integer(),
  per_page: Type.Integer(),
  current_page: Type.Union([Type.Integer(), Type.Null()]),
  last_page: Type.Integer(),
  next_page_url: Type.Union([Type.String(), Type.Null()]),
  prev_page_url: Type.Union([Type.String(), Type.Null()]),
  next_cursor: Type.Union([Type.String(), Type.Null()]),
});

/** A date alone means the whole day: from its first microsecond, to its last. */
function boundary(value: string, field: string, end: 'start' | 'end'): string {
  const instant = parseInstant(value, end === 'end');
  if (instant === undefined) {
    throw new FieldValidationError({
      [field]: [`The ${field} field must be a valid ISO-8601 date or timestamp.`],
    });
  }
  return instant;
}

function filterFrom(query: ListCustomersQuery): CustomerFilter {
  return {
    email: query.email?.trim().toLowerCase(),
    search: query.search?.trim().toLowerCase(),
    country: query.country === undefined ? undefined : normaliseCountry(query.country),
    status: query.customer_status,
    kycStatus: query.kyc_status,
    type: query.customer_type,
    createdFrom:
      query.created_from === undefined
        ? undefined
        : boundary(query.created_from, 'created_from', 'start'),
    createdTo:
      query.created_to === undefined ? undefined : boundary(query.created_to, 'created_to', 'end'),
  };
}

function positionFrom(query: ListCustomersQuery): ListPosition {
  if (query.cursor === undefined)
    return { limit: query.per_page, offset: (query.page - 1) * query.per_page };
  const after = decodeCursor(query.cursor);
  if (!after) throw new FieldValidationError({ cursor: ['The cursor field is invalid.'] });
  return { limit: query.per_page, after };
}

/** Absolute URL from PUBLIC_BASE_URL (never the Host header), keeping every other parameter. */
function pageUrl(baseUrl: string, rawQuery: string, changes: Record<string, string>): string {
  const params = new URLSearchParams(rawQuery);
  for (const name of ['page', 'cursor']) params.delete(name);
  for (const [name, value] of Object.entries(changes)) params.set(name, value);
  return `${baseUrl}/api/v1/customer?${params.toString()}`;
}

/** Laravel's pagination block, plus `next_cursor`. Cursor pages have no page number. */
function pagination(
  query: ListCustomersQuery,
  page: CustomerPage,
  baseUrl: string,
  rawQuery: string,
) {
  const lastPage = Math.max(1, Math.ceil(page.total / query.per_page));
  const byCursor = query.cursor !== undefined;
  const linkTo = (changes: Record<string, string>) => pageUrl(baseUrl, rawQuery, changes);
  let nextPageUrl: string | null = null;
  if (byCursor && page.nextCursor) nextPageUrl = linkTo({ cursor: page.nextCursor });
  if (!byCursor && query.page < lastPage) nextPageUrl = linkTo({ page: String(query.page + 1) });
  return {
    total: page.total,
    per_page: query.per_page,
    current_page: byCursor ? null : query.page,
    last_page: lastPage,
    next_page_url: nextPageUrl,
    prev_page_url: !byCursor && query.page > 1 ? linkTo({ page: String(query.page - 1) }) : null,
    next_cursor: page.nextCursor,
  };
}

/** Everything after the first `?` of a request URL, as Fastify parses the query string. */
export function rawQueryOf(url: string): string {
  const start = url.indexOf('?');
  return start === -1 ? '' : url.slice(start + 1);
}

/**
 * Where a page is kept in `RouteContext.listPages`: by business and raw query string, each page
 * kept with the business's customer version it was computed at. The same raw query string always
 * validates the same way and asks for the same page, so while nothing changes a repeated request
 * costs one primary-key read instead of a page query and a count.
 */
export function listPageKey(businessId: string, rawQuery: string): string {
  return `${businessId}?${rawQuery}`;
}

/**
 * Where a filter's total is kept in `RouteContext.listTotals`: by business and the filter as
 * normalised, so every page of a walk by page number or cursor — and the same filter spelled
 * differently — shares one count. A filtered total counts the business's matching customers,
 * which at a million customers is a read of every row where no index serves the filter.
 */
function listTotalKey(businessId: string, filter: CustomerFilter): string {
  return `${businessId}${JSON.stringify(filter)}`;
}

export function registerListCustomers(app: App, ctx: RouteContext): void {
  app.route({
    method: 'GET',
    url: '/api/v1/customer',
    onRequest: ctx.authenticated,
    schema: {
      summary: 'List customers',
      description:
        'Newest first. Page numbers (`page`) or keyset paging (`cursor` = `next_cursor`).',
      tags: ['Customers'],
      security: AUTHENTICATED,
      querystring: ListCustomersQuerySchema,
      response: {
        200: SuccessEnvelopeSchema(200, MESSAGE, Type.Array(CustomerSchema), {
          pagination: PaginationSchema,
        }),
        422: ErrorEnvelopeSchema,
        ...CUSTOMER_ROUTE_ERRORS,
      },
    },
    handler: async (request, reply) => {
      const { businessId } = principalOf(request);
      const query = request.query;
      const filter = filterFrom(query);
      const position = positionFrom(query);
      const rawQuery = rawQueryOf(request.url);
      // Read before the page, so that the page is at least as new as the version it is kept at.
      const version = await ctx.customers.listVersion(ctx.storage, businessId);
      const key = listPageKey(businessId, rawQuery);
      let body = ctx.listPages.get(key, version);
      if (body === undefined) {
        const totalKey = listTotalKey(businessId, filter);
        const page = await ctx.customers.list(
          ctx.storage,
          businessId,
          filter,
          position,
          ctx.listTotals.get(totalKey, version),
        );
        ctx.listTotals.set(totalKey, version, page.total);
        // Serialized by the route's own 200 schema, as `send` would, and kept encoded: a page
        // sent again is written as it is, without measuring and encoding 12 KB of text each time.
        body = Buffer.from(
          String(
            reply.serialize({
              ...success(200, MESSAGE, page.customers.map(presentCustomer)),
              pagination: pagination(query, page, ctx.config.publicBaseUrl, rawQuery),
            }),
          ),
        );
        ctx.listPages.set(key, version, body);
      }
      // A Buffer with a JSON content type is sent as it is; the type provider only knows objects.
      return reply.type(JSON_CONTENT_TYPE).send(body as never);
    },
  });
}
