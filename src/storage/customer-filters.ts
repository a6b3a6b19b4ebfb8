import { type Expression, type ExpressionBuilder, type SqlBool, sql } from 'kysely';
import type { CustomerFilter } from './records.js';
import type { DatabaseSchema } from './schema.js';

/** The list filters of SPEC §4.2 as SQL conditions, shared by the page query and its count. */
type CustomerQuery = ExpressionBuilder<DatabaseSchema, 'customers'>;

/** `%`, `_` and the escape character itself are literal in a user's substring. */
function containsPattern(value: string): string {
  return `%${value.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

function contains(column: Expression<unknown>, value: string): Expression<SqlBool> {
  return sql<SqlBool>`${column} like ${containsPattern(value)} escape '\\'`;
}

export function exactEmailRank(filter: CustomerFilter) {
  return filter.email === undefined
    ? sql<number>`0`
    : sql<number>`case when email_lower = ${filter.email} then 1 else 0 end`;
}

export function matchesFilter(filter: CustomerFilter) {
  return (eb: CustomerQuery) => {
    const conditions: Expression<SqlBool>[] = [eb('deleted_at', 'is', null)];
    if (filter.email !== undefined) conditions.push(contains(sql.ref('email_lower'), filter.email));
    if (filter.search !== undefined) {
      conditions.push(
        eb.or([
          contains(sql.ref('name_lower'), filter.search),
          contains(sql.ref('email_lower'), filter.search),
          contains(sql.ref('customer_phone'), filter.search),
        ]),
      );
    }
    if (filter.country !== undefined) conditions.push(eb('customer_country', '=', filter.country));
    if (filter.status !== undefined) conditions.push(eb('customer_status', '=', filter.status));
    if (filter.kycStatus !== undefined) {
      conditions.push(eb('customer_kyc_status', '=', filter.kycStatus));
    }
    if (filter.type !== undefined) conditions.push(eb('customer_type', '=', filter.type));
    if (filter.createdFrom !== undefined)
      conditions.push(eb('created_at', '>=', filter.createdFrom));
    if (filter.createdTo !== undefined) conditions.push(eb('created_at', '<=', filter.createdTo));
    return eb.and(conditions);
  };
}

export function hasFilter(filter: CustomerFilter): boolean {
  return Object.values(filter).some((value) => value !== undefined);
}
