import { bearerTokenOf } from '../../http/authenticate.js';
import { appErrorResponse } from '../../http/error-handler.js';
import {
  type FastAnswer,
  type FastPath,
  type FastPathEnvironment,
  FastRequest,
} from '../../http/fast-path.js';
import type { RequestBudget } from '../../http/rate-limit.js';
import type { RouteContext } from '../route-context.js';
import { listPageKey, rawQueryOf } from './list-customers.js';

const PATH = '/api/v1/customer';

/**
 * `GET /api/v1/customer?…` with an `Authorization` header, when the page asked for is kept at
 * the business's current version: the kept bytes are sent from Node's request event without
 * Fastify, after one statement that checks the token and reads the version
 * (`versionWithActiveToken`). A kept page was computed by the route from the same raw query
 * string, which validates the same way every time, so the answer is the route's. Everything
 * else — no page kept, a bad token, a database error — falls back to the Fastify route
 * (list-customers.ts) before anything is spent, and the route answers it;
 * test/flows/list-fast-path.test.ts compares the two.
 */
export function createListCustomersFastPath(
  ctx: RouteContext,
  budget: RequestBudget,
  environment: FastPathEnvironment,
): FastPath {
  /** The kept page's answer (or the 429), or undefined to fall back. */
  async function keptAnswer(url: string, authorization: string): Promise<FastAnswer | undefined> {
    const token = ctx.auth.verifyBearer(bearerTokenOf(authorization));
    const version = await ctx.storage.customers.versionWithActiveToken(token);
    if (version === undefined) return undefined;
    const page = ctx.listPages.get(listPageKey(token.businessId, rawQueryOf(url)), version);
    if (page === undefined) return undefined;
    // From here on the request is this path's to answer: the budget is spent.
    const { headers, refusal } = await budget.spend(token.businessId);
    if (refusal) return appErrorResponse(refusal, headers);
    return { statusCode: 200, headers, body: page };
  }

  return (request, response, fallBack) => {
    const { url } = request;
    const { authorization } = request.headers;
    if (request.method !== 'GET' || authorization === undefined || url === undefined) return false;
    if (url !== PATH && !url.startsWith(`${PATH}?`)) return false;
    const fast = new FastRequest(request, response, PATH, environment);
    // Set once the request is answered or handed to Fastify: it must never be both.
    let decided = false;
    keptAnswer(url, authorization)
      .then((answer) => {
        decided = true;
        if (answer === undefined) fallBack();
        else fast.send(answer);
      })
      .catch((error: unknown) => {
        // Until then nothing is spent: the route answers (and reports) whatever failed.
        if (decided) fast.abandon(error);
        else fallBack();
      });
    return true;
  };
}
