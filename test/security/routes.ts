import type { InjectOptions } from 'fastify';
import { individualKyc, kycOf, submitKyc } from '../helpers/kyc.js';
import {
  customerBody,
  idempotencyKey,
  type TestApp,
  type TestBusiness,
} from '../helpers/test-app.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** One authenticated operation of the route table (src/routes/index.ts), with a valid request. */
export interface AuthenticatedRoute {
  method: HttpMethod;
  /** The path as the route table writes it; `:customer_id` is filled in per request. */
  path: string;
  /** What a valid request by the owner answers. */
  successStatus: number;
  /** The route needs an Idempotency-Key (SPEC §5). */
  idempotent: boolean;
  /** A valid body, fresh on every call (so emails never collide); given the customer id. */
  body?: (customerId: string) => Record<string, unknown>;
  /** The customer id travels in the body (`customer_id`) rather than the path. */
  customerIdInBody?: true;
  /** Brings the caller's customer into the state a successful request needs. */
  prepare?: (t: TestApp, business: TestBusiness, customerId: string) => Promise<void>;
}

/** Submits the customer's KYC and has the operator reject it: resubmission is then allowed. */
async function rejectKyc(t: TestApp, business: TestBusiness, customerId: string): Promise<void> {
  const submitted = await submitKyc(t, business, individualKyc(customerId));
  if (submitted.statusCode !== 200) throw new Error(`submit failed: ${submitted.body}`);
  const { service } = kycOf(t);
  await t.storage.transaction((repos) =>
    service.operatorDecide(repos, customerId, { to: 'rejected', reason: 'Blurry photo' }),
  );
}

/** Every authenticated route. The security suite checks this list against the OpenAPI document,
 * so a route added to the table without being added here fails the suite. */
export const AUTHENTICATED_ROUTES: readonly AuthenticatedRoute[] = [
  { method: 'GET', path: '/api/v1/customer', successStatus: 200, idempotent: false },
  {
    method: 'POST',
    path: '/api/v1/customer',
    successStatus: 201,
    idempotent: true,
    body: () => customerBody(),
  },
  { method: 'GET', path: '/api/v1/customer/:customer_id', successStatus: 200, idempotent: false },
  {
    method: 'PUT',
    path: '/api/v1/customer/:customer_id',
    successStatus: 200,
    idempotent: true,
    body: () => ({ customer_name: 'Renamed By Put' }),
  },
  {
    method: 'PATCH',
    path: '/api/v1/customer/:customer_id',
    successStatus: 200,
    idempotent: true,
    body: () => ({ customer_name: 'Renamed By Patch' }),
  },
  {
    method: 'DELETE',
    path: '/api/v1/customer/:customer_id',
    successStatus: 200,
    idempotent: false,
  },
  {
    method: 'POST',
    path: '/api/v1/verification/verify-customer',
    successStatus: 200,
    idempotent: true,
    customerIdInBody: true,
    body: (customerId) => individualKyc(customerId),
  },
  {
    method: 'PUT',
    path: '/api/v1/customer/kyc/update',
    successStatus: 200,
    idempotent: true,
    customerIdInBody: true,
    body: (customerId) => individualKyc(customerId),
    prepare: rejectKyc,
  },
  {
    method: 'GET',
    path: '/api/v1/customer/kyc/:customer_id',
    successStatus: 200,
    idempotent: false,
  },
  { method: 'GET', path: '/api/v1/auth/refresh-token', successStatus: 200, idempotent: false },
  { method: 'POST', path: '/api/v1/auth/logout', successStatus: 200, idempotent: false },
  { method: 'POST', path: '/api/v1/generate-secret', successStatus: 200, idempotent: true },
  {
    method: 'POST',
    path: '/api/v1/business/webhook',
    successStatus: 201,
    idempotent: true,
    body: () => ({ url: 'https://hooks.example.com/security' }),
  },
  { method: 'GET', path: '/api/v1/business/webhook', successStatus: 200, idempotent: false },
  {
    method: 'PUT',
    path: '/api/v1/business/webhook/:id',
    successStatus: 200,
    idempotent: true,
    body: () => ({ events: ['customer.created'] }),
  },
  { method: 'DELETE', path: '/api/v1/business/webhook/:id', successStatus: 200, idempotent: false },
  {
    method: 'POST',
    path: '/api/v1/business/webhook/:id/regenerate-secret',
    successStatus: 200,
    idempotent: true,
  },
  {
    method: 'GET',
    path: '/api/v1/business/webhook/:id/deliveries',
    successStatus: 200,
    idempotent: false,
  },
  {
    method: 'POST',
    path: '/api/v1/business/webhook/:id/deliveries/:delivery_id/retry',
    successStatus: 202,
    idempotent: true,
  },
];

/** Routes anyone may call. Everything else must be in AUTHENTICATED_ROUTES. */
export const PUBLIC_ROUTES: readonly string[] = [
  'POST /api/v1/auth/login',
  'GET /healthz',
  'GET /readyz',
  'GET /api/v1/openapi.json',
  'GET /metrics',
];

export const CUSTOMER_ID_ROUTES = AUTHENTICATED_ROUTES.filter(hasCustomerId);

export function hasCustomerId(route: AuthenticatedRoute): boolean {
  return route.path.includes(':customer_id') || route.customerIdInBody === true;
}

export function routeName(route: AuthenticatedRoute): string {
  return `${route.method} ${route.path}`;
}

/** The route's path in OpenAPI notation (`{customer_id}`). */
export function openApiPath(route: AuthenticatedRoute): string {
  return route.path.replace(/:(\w+)/g, '{$1}');
}

/** Ids a valid request fills into the path: an owned customer, webhook endpoint and delivery. */
export interface OwnedIds {
  customerId?: string;
  webhookId?: string;
  deliveryId?: string;
}

const UNKNOWN_ID = '0190a6f4-0000-7000-8000-000000000000';

/**
 * A valid request for the route with the given credentials. An Idempotency-Key (fresh unless
 * given) is added on the routes that need one, so that only the credentials decide the outcome.
 */
export function requestFor(
  route: AuthenticatedRoute,
  options: OwnedIds & { credentials?: Record<string, string>; idempotencyKey?: string },
): InjectOptions {
  const customerId = options.customerId ?? UNKNOWN_ID;
  const url = route.path
    .replace(':customer_id', encodeURIComponent(customerId))
    .replace(':id', encodeURIComponent(options.webhookId ?? UNKNOWN_ID))
    .replace(':delivery_id', encodeURIComponent(options.deliveryId ?? UNKNOWN_ID));
  const headers: Record<string, string> = { ...options.credentials };
  if (route.idempotent) headers['idempotency-key'] = options.idempotencyKey ?? idempotencyKey();
  const request: InjectOptions = { method: route.method, url, headers };
  if (route.body) request.payload = route.body(customerId);
  return request;
}
