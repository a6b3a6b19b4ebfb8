import type { IncomingMessage } from 'node:http';
import { customerNotFound } from '../../customers/customer-service.js';
import { presentCustomer } from '../../customers/customer-view.js';
import { bearerTokenOf, unauthenticated } from '../../http/authenticate.js';
import { success } from '../../http/envelope.js';
import { appErrorResponse, serverFailure } from '../../http/error-handler.js';
import {
  type FastAnswer,
  type FastPath,
  type FastPathEnvironment,
  FastRequest,
} from '../../http/fast-path.js';
import type { RequestBudget } from '../../http/rate-limit.js';
import { compileSerializer } from '../../http/serialization.js';
import { AppError } from '../../lib/app-error.js';
import { isUuid } from '../../lib/ids.js';
import type { ShownCustomerRecord } from '../../storage/records.js';
import type { RouteContext } from '../route-context.js';
import { RETRIEVED_MESSAGE, RetrievedCustomerSchema } from './retrieve-customer.js';

const PATH_PREFIX = '/api/v1/customer/';
/** The Fastify route's pattern: the metrics label of both. */
const ROUTE = '/api/v1/customer/:customer_id';

/**
 * `GET /api/v1/customer/{uuid}` with an `Authorization` header, answered from Node's request
 * event without Fastify. This is the seed's endpoint, which a payment platform calls on every
 * payout: Fastify's routing, request and reply objects and hooks were ~15 µs of its ~80 µs, and
 * its token check and customer read, two statements, are one here
 * (`findLiveWithActiveToken`). Any other request — another path or method, a trailing slash or
 * query string, a malformed id, the `X-Api-Key` pair — is left to the Fastify route
 * (retrieve-customer.ts), which answers it with the same bytes the fast path would:
 * test/flows/retrieve-fast-path.test.ts compares the two. It answers every outcome itself
 * (never falls back), in the order of the route's hooks: authentication, the business's rate
 * limit (only once the token is known good), then the customer.
 */
export function createRetrieveFastPath(
  ctx: RouteContext,
  budget: RequestBudget,
  environment: FastPathEnvironment,
): FastPath {
  const serialize = compileSerializer(RetrievedCustomerSchema);
  // The read cache gives the same customer object until the customer (or anything in the
  // database) changes, so its body is serialised and encoded once; a WeakMap, so a body goes
  // when the cache lets its customer go.
  const bodies = new WeakMap<ShownCustomerRecord, Buffer>();
  const bodyOf = (customer: ShownCustomerRecord): Buffer => {
    let body = bodies.get(customer);
    if (body === undefined) {
      body = Buffer.from(serialize(success(200, RETRIEVED_MESSAGE, presentCustomer(customer))));
      bodies.set(customer, body);
    }
    return body;
  };

  async function answer(
    customerId: string,
    authorization: string,
    fast: FastRequest,
  ): Promise<FastAnswer> {
    let budgetHeaders: Record<string, string> = {};
    try {
      const token = ctx.auth.verifyBearer(bearerTokenOf(authorization));
      const read = await ctx.storage.customers.findLiveWithActiveToken(token, customerId);
      if (read === undefined) throw unauthenticated();
      const spent = await budget.spend(token.businessId);
      budgetHeaders = spent.headers;
      if (spent.refusal) throw spent.refusal;
      if (read.customer === undefined) throw customerNotFound();
      return { statusCode: 200, headers: budgetHeaders, body: bodyOf(read.customer) };
    } catch (error) {
      return appErrorResponse(
        error instanceof AppError ? error : serverFailure(error, fast.log),
        budgetHeaders,
      );
    }
  }

  return (request, response) => {
    const customerId = retrieveTarget(request);
    const { authorization } = request.headers;
    if (customerId === undefined || authorization === undefined) return false;
    const fast = new FastRequest(request, response, ROUTE, environment);
    answer(customerId, authorization, fast)
      .then((answered) => fast.send(answered))
      .catch((error: unknown) => fast.abandon(error));
    return true;
  };
}

/** The customer id of a `GET /api/v1/customer/{uuid}` exactly as the fast path takes it. */
function retrieveTarget(request: IncomingMessage): string | undefined {
  if (request.method !== 'GET' || request.url?.startsWith(PATH_PREFIX) !== true) return undefined;
  const customerId = request.url.slice(PATH_PREFIX.length);
  return isUuid(customerId) ? customerId : undefined;
}
