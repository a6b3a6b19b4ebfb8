import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import { SHOWN_COLUMNS, type ShownRow } from './customer-rows.js';
import type { CustomerFilter, ListPosition } from './records.js';
import type { DatabaseSchema } from './schema.js';
import type { ReadTemplate } from './statement-templates.js';

/**
 * The list query and its count (SPEC §4.2) as read templates, one per shape: which filters are
 * given and how the page is positioned. A shape's SQL is built and compiled once; each request
 * then only binds its values (see statement-templates.ts). There are at most 2^9 filter combinations
 * times three ways to position a page, so the templates kept stay few.
 */

type CustomerQuery = ExpressionBuilder<DatabaseSchema, 'customers'>;

/**
 * A filter's values in the form its SQL binds them: substrings as escaped LIKE patterns, the
 * email both as its pattern and as the exact value that sorts first.
 */
interface BoundFilter {
  emailExact?: string;
  emailPattern?: string;
  searchPattern?: string;
  country?: string;
  status?: string;
  kycStatus?: string;
  type?: string;
  createdFrom?: string;
  createdTo?: string;
}

type BoundKey = keyof BoundFilter;

/** `%`, `_` and the escape character itself are literal in a user's substring. */
function containsPattern(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function boundFilter(filter: CustomerFilter): BoundFilter {
  return {
    emailExact: filter.email,
    emailPattern: filter.email === undefined ? undefined : containsPattern(filter.email),
    searchPattern: filter.search === undefined ? undefined : containsPattern(filter.search),
    country: filter.country,
    status: filter.status,
    kycStatus: filter.kycStatus,
    type: filter.type,
    createdFrom: filter.createdFrom,
    createdTo: filter.createdTo,
  };
}

function contains(column: string, pattern: string): Expression<SqlBool> {
  return sql<SqlBool>`${sql.ref(column)} like ${pattern} escape '\\'`;
}

function exactEmailRank(filter: BoundFilter) {
  return filter.emailExact === undefined
    ? sql<number>`0`
    : sql<number>`case when email_lower = ${filter.emailExact} then 1 else 0 end`;
}

/** The conditions of the given filters; the values are bound as they are (or stand as params). */
function matchesFilter(filter: BoundFilter) {
  return (eb: CustomerQuery) => {
    const conditions: Expression<SqlBool>[] = [eb('deleted_at', 'is', null)];
    if (filter.emailPattern !== undefined) {
      conditions.push(contains('email_lower', filter.emailPattern));
    }
    if (filter.searchPattern !== undefined) {
      conditions.push(
        eb.or([
          contains('name_lower', filter.searchPattern),
          contains('email_lower', filter.searchPattern),
          contains('customer_phone', filter.searchPattern),
        ]),
      );
    }
    if (filter.country !== undefined) conditions.push(eb('customer_country', '=', filter.country));
    if (filter.status !== undefined) conditions.push(eb('customer_status', '=', filter.status));
    if (filter.kycStatus !== undefined) {
      conditions.push(eb('customer_kyc_status', '=', filter.kycStatus));
    }
    if (filter.type !== undefined) conditions.push(eb('customer_type', '=', filter.type));
    if (filter.createdFrom !== undefined) {
      conditions.push(eb('created_at', '>=', filter.createdFrom));
    }
    if (filter.createdTo !== undefined) conditions.push(eb('created_at', '<=', filter.createdTo));
    return eb.and(conditions);
  };
}

/** A template and the values to run it with. */
export interface BoundQuery<Row> {
  template: ReadTemplate<Row>;
  values: unknown[];
  /**
   * Whether it may visit many rows (`Reads.scan`): a filter is tested row by row (even the
   * country index holds a whole country's customers, for a count), and an offset walks every
   * row before the page. Only the unfiltered first and cursor pages seek an index to their rows.
   */
  visitsMany: boolean;
}

/** The given filters' keys (the shape) and their values, in the order the template binds them. */
function given(filter: CustomerFilter): { keys: BoundKey[]; values: string[] } {
  const keys: BoundKey[] = [];
  const values: string[] = [];
  for (const [key, value] of Object.entries(boundFilter(filter))) {
    if (value === undefined) continue;
    keys.push(key as BoundKey);
    values.push(value);
  }
  return { keys, values };
}

/** The template standing for `keys`: each key's value is the param at its index. */
function filterOfParams(keys: readonly BoundKey[], param: <T>(index: number) => T): BoundFilter {
  return Object.fromEntries(keys.map((key, index) => [key, param<string>(index)]));
}

type ListedRow = ShownRow & { exact_rank: number };

type Paging = 'first' | 'offset' | 'cursor';

const listTemplates = new Map<string, ReadTemplate<ListedRow>>();

function listTemplate(keys: readonly BoundKey[], paging: Paging): ReadTemplate<ListedRow> {
  const shape = `${keys.join(',')}|${paging}`;
  let template = listTemplates.get(shape);
  if (template !== undefined) return template;
  template = (db, param) => {
    const filter = filterOfParams(keys, param);
    // The paging values follow the filter's: business, limit, then offset or cursor.
    const at = <T>(offset: number) => param<T>(keys.length + offset);
    const rank = exactEmailRank(filter);
    let query = db
      .selectFrom('customers')
      .select(SHOWN_COLUMNS)
      .select(rank.as('exact_rank'))
      .where('business_id', '=', at<string>(0))
      .where(matchesFilter(filter));
    if (paging === 'cursor') {
      query = query.where((eb) => {
        const olderThanCursor = eb(
          eb.refTuple('created_at', 'customer_id'),
          '<',
          eb.tuple(at<string>(3), at<string>(4)),
        );
        // Without the exact-email rank the condition must stay a bare row-value comparison:
        // wrapped in an OR, SQLite no longer seeks the index to the cursor and a deep page
        // would cost as much as all the pages before it.
        if (filter.emailExact === undefined) return olderThanCursor;
        return eb.or([
          eb(rank, '<', at<number>(2)),
          eb.and([eb(rank, '=', at<number>(2)), olderThanCursor]),
        ]);
      });
    }
    if (filter.emailExact !== undefined) query = query.orderBy(rank, 'desc');
    query = query.orderBy('created_at', 'desc').orderBy('customer_id', 'desc').limit(at<number>(1));
    if (paging === 'offset') query = query.offset(at<number>(2));
    return query;
  };
  listTemplates.set(shape, template);
  return template;
}

/** The page query: newest first (an exact email match before the rest), from `position`. */
export function listQuery(
  businessId: string,
  filter: CustomerFilter,
  position: ListPosition,
): BoundQuery<ListedRow> {
  const { keys, values } = given(filter);
  const { after, limit, offset = 0 } = position;
  const filtered = keys.length > 0;
  if (after !== undefined) {
    return {
      template: listTemplate(keys, 'cursor'),
      values: [...values, businessId, limit, after.exact, after.createdAt, after.customerId],
      visitsMany: filtered,
    };
  }
  if (offset > 0) {
    return {
      template: listTemplate(keys, 'offset'),
      values: [...values, businessId, limit, offset],
      visitsMany: true,
    };
  }
  return {
    template: listTemplate(keys, 'first'),
    values: [...values, businessId, limit],
    visitsMany: filtered,
  };
}

/**
 * Without filters, the kept count (the sum over the business's few count rows); with filters, a
 * count of the matching rows.
 */
const liveCount: ReadTemplate<{ total: number | string | null }> = (db, param) =>
  db
    .selectFrom('customer_count_shards')
    .select((eb) => eb.fn.sum<number | string>('live_customers').as('total'))
    .where('business_id', '=', param<string>(0));

const countTemplates = new Map<string, ReadTemplate<{ total: number | string }>>();

export function countQuery(
  businessId: string,
  filter: CustomerFilter,
): BoundQuery<{ total: number | string }> {
  const { keys, values } = given(filter);
  if (keys.length === 0) return { template: liveCount, values: [businessId], visitsMany: false };
  const shape = keys.join(',');
  let template = countTemplates.get(shape);
  if (template === undefined) {
    template = (db, param) =>
      db
        .selectFrom('customers')
        .select((eb) => eb.fn.countAll<number | string>().as('total'))
        .where('business_id', '=', param<string>(keys.length))
        .where(matchesFilter(filterOfParams(keys, param)));
    countTemplates.set(shape, template);
  }
  return { template, values: [...values, businessId], visitsMany: true };
}
