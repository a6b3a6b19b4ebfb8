import type { IncomingMessage } from 'node:http';
import type { FastifyBaseLogger } from 'fastify';
import { customerNotFound } from '../../customers/customer-service.js';
import { presentCustomer } from '../../customers/customer-view.js';
import { bearerTokenOf, unauthenticated } from '../../http/authenticate.js';
import { success } from '../../http/envelope.js';
import { appErrorResponse, JSON_CONTENT_TYPE, serverFailure } from '../../http/error-handler.js';
import type { FastPath } from '../../http/fast-path-server.js';
import { isLevelEnabled, lazyRequestLogger } from '../../http/logger.js';
import type { RequestBudget } from '../../http/rate-limit.js';
import { requestIdFor } from '../../http/request-id.js';
import { compileSerializer } from '../../http/serialization.js';
import { AppError } from '../../lib/app-error.js';
import { isUuid } from '../../lib/ids.js';
import type { RouteContext } from '../route-context.js';
import { RETRIEVED_MESSAGE, RetrievedCustomerSchema } from './retrieve-customer.js';

const PATH_PREFIX = '/api/v1/customer/';
/** The Fastify route's pattern: the metrics label of both. */
const ROUTE = '/api/v1/customer/:customer_id';

interface Answer {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface RetrieveFastPathDependencies {
  ctx: RouteContext;
  budget: RequestBudget;
  log: FastifyBaseLogger;
  /** True once shutdown began: responses then ask keep-alive clients to leave (app.ts). */
  draining: () => boolean;
}

/**
 * `GET /api/v1/customer/{uuid}` with an `Authorization` header, answered from Node's request
 * event without Fastify. This is the seed's endpoint, which a payment platform calls on every
 * payout: Fastify's routing, request and reply objects and hooks were ~15 µs of its ~80 µs, and
 * its token check and customer read, two statements, are one here
 * (`findLiveWithActiveToken`). Any other request — another path or method, a trailing slash or
 * query string, a malformed id, the `X-Api-Key` pair — is left to the Fastify route
 * (retrieve-customer.ts), which answers it with the same bytes the fast path would:
 * test/flows/retrieve-fast-path.test.ts compares the two.
 *
 * What the route's hooks do, in their order, happens here too: request id, the two request log
 * lines (at `info`), authentication, the business's rate limit (only once the token is known
 * good), then the customer; metrics after the response; `Connection: close` while draining.
 */
export function createRetrieveFastPath({
  ctx,
  budget,
  log,
  draining,
}: RetrieveFastPathDependencies): FastPath {
  const serialize = compileSerializer(RetrievedCustomerSchema);

  async function respond(
    customerId: string,
    authorization: string,
    requestLog: () => FastifyBaseLogger,
  ): Promise<Answer> {
    let budgetHeaders: Record<string, string> = {};
    try {
      const token = ctx.auth.verifyBearer(bearerTokenOf(authorization));
      const read = await ctx.storage.customers.findLiveWithActiveToken(token, customerId);
      if (read === undefined) throw unauthenticated();
      const spent = await budget.spend(token.businessId);
      budgetHeaders = spent.headers;
      if (spent.refusal) throw spent.refusal;
      if (read.customer === undefined) throw customerNotFound();
      const body = serialize(success(200, RETRIEVED_MESSAGE, presentCustomer(read.customer)));
      return { statusCode: 200, headers: budgetHeaders, body };
    } catch (error) {
      const failure = appErrorResponse(
        error instanceof AppError ? error : serverFailure(error, requestLog()),
      );
      return { ...failure, headers: { ...budgetHeaders, ...failure.headers } };
    }
  }

  return (request, response) => {
    const customerId = retrieveTarget(request);
    const { authorization } = request.headers;
    if (customerId === undefined || authorization === undefined) return false;

    const started = performance.now();
    const requestId = requestIdFor(request);
    // Fastify logs two lines a request at `info`; at `warn` and above nothing is made for them.
    const logRequests = isLevelEnabled(log, 'info');
    const requestLog = () => lazyRequestLogger(log, { reqId: requestId }, {});
    if (logRequests) {
      requestLog().info(
        { req: { method: request.method, url: request.url, ip: request.socket.remoteAddress } },
        'incoming request',
      );
    }
    respond(customerId, authorization, requestLog)
      .then(({ statusCode, headers, body }) => {
        // Added to the answer's own object, in the order Fastify sends them (object spreads
        // here showed in the profile).
        headers['content-type'] = JSON_CONTENT_TYPE;
        headers['x-request-id'] = requestId;
        if (draining()) headers.connection = 'close';
        headers['content-length'] = String(Buffer.byteLength(body));
        response.writeHead(statusCode, headers);
        response.end(body);
        const elapsedMs = performance.now() - started;
        ctx.metrics.recordResponse('GET', ROUTE, statusCode, elapsedMs);
        if (logRequests) {
          requestLog().info({ res: { statusCode }, responseTime: elapsedMs }, 'request completed');
        }
      })
      .catch((error: unknown) => {
        // Only writing the response can land here: the connection is in no state to answer.
        requestLog().error({ err: error }, 'could not send a response');
        response.destroy();
      });
    return true;
  };
}

/** The customer id of a `GET /api/v1/customer/{uuid}` exactly as the fast path takes it. */
function retrieveTarget(request: IncomingMessage): string | undefined {
  if (request.method !== 'GET' || request.url?.startsWith(PATH_PREFIX) !== true) return undefined;
  const customerId = request.url.slice(PATH_PREFIX.length);
  return isUuid(customerId) ? customerId : undefined;
}
