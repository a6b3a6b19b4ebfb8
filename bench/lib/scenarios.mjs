/**
 * The scenarios of issue 5, as request templates (see load.mjs), each with the size of the
 * response it gets — the size its bare reference answers with.
 */

import { requestMaker } from './load.mjs';
import { HOST } from './processes.mjs';

/**
 * @typedef {object} Scenario
 * @property {string} name stable key (results file)
 * @property {string} label what the table shows
 * @property {import('./load.mjs').RequestTemplate} template
 * @property {number} responseBytes mean body size of a sample of real responses
 */

const JSON_HEADERS = { 'content-type': 'application/json' };

/** One request with fetch; throws unless it answers 2xx. */
async function call(port, { method, path, headers, body }) {
  const response = await fetch(`http://${HOST}:${port}${path}`, { method, headers, body });
  const bytes = Buffer.from(await response.arrayBuffer());
  if (response.status < 200 || response.status > 299) {
    throw new Error(`${method} ${path} answered ${response.status}: ${bytes.toString('utf8')}`);
  }
  return { bytes: bytes.length, json: JSON.parse(bytes.toString('utf8')) };
}

/** A bearer token for the business. */
export async function login(port, business) {
  const { json } = await call(port, {
    method: 'POST',
    path: '/api/v1/auth/login',
    headers: JSON_HEADERS,
    body: JSON.stringify({ account_id: business.accountId, app_secret: business.appSecret }),
  });
  return /** @type {string} */ (json.data.access_token);
}

/** Mean response size over `samples` requests made from the template (also checks they work). */
export async function responseBytes(port, template, samples) {
  const next = requestMaker(template);
  let total = 0;
  for (let i = 0; i < samples; i++) total += (await call(port, next())).bytes;
  return Math.round(total / samples);
}

/** A template for `GET path` as the business. */
export function authorisedGet(token, paths) {
  return { method: 'GET', paths, headers: { authorization: `Bearer ${token}` } };
}

/**
 * A cursor to a page about 90% of the way through the business's customers: the next_cursor
 * of the page before it, fetched once by page number.
 */
export async function deepCursor(port, token) {
  const get = async (query) =>
    (await call(port, { ...authorisedGet(token, []), path: `/api/v1/customer?${query}` })).json;
  const lastPage = (await get('per_page=20')).pagination.last_page;
  if (lastPage < 2) throw new Error('the business has a single page: no cursor to follow');
  const deepPage = Math.max(2, Math.floor(lastPage * 0.9));
  const cursor = (await get(`page=${deepPage - 1}&per_page=20`)).pagination.next_cursor;
  return { cursor, deepPage };
}

/**
 * @param {object} spec
 * @param {number} spec.port the running Clientele
 * @param {import('./datasets.mjs').Dataset} spec.dataset
 * @param {string[]} spec.names scenarios to build
 * @param {boolean} spec.quick fewer size samples
 * @returns {Promise<Scenario[]>}
 */
export async function prepareScenarios({ port, dataset, names, quick }) {
  // Reads go to the first business; creates to the last, so they don't change what is read.
  const reader = dataset.businesses[0];
  const writer = dataset.businesses[dataset.businesses.length - 1];
  const token = await login(port, reader);
  const writerToken = writer === reader ? token : await login(port, writer);
  const samples = quick ? 5 : 20;

  /** @type {Record<string, () => Promise<Omit<Scenario, 'responseBytes'>>>} */
  const builders = {
    retrieve: async () => ({
      label: 'retrieve by id',
      template: authorisedGet(
        token,
        dataset.sampleIds.map((id) => `/api/v1/customer/${id}`),
      ),
    }),
    list: async () => ({
      label: 'list page 1 (20)',
      template: authorisedGet(token, ['/api/v1/customer?page=1&per_page=20']),
    }),
    list_deep: async () => {
      const { cursor, deepPage } = await deepCursor(port, token);
      return {
        label: `list page ${deepPage} by cursor`,
        template: authorisedGet(token, [
          `/api/v1/customer?cursor=${encodeURIComponent(cursor)}&per_page=20`,
        ]),
      };
    },
    list_filter: async () => ({
      label: 'list ?country=BRA',
      template: authorisedGet(token, ['/api/v1/customer?country=BRA&per_page=20']),
    }),
    create: async () => ({
      label: 'create (Idempotency-Key)',
      template: {
        method: 'POST',
        paths: ['/api/v1/customer'],
        headers: {
          ...JSON_HEADERS,
          authorization: `Bearer ${writerToken}`,
          'idempotency-key': 'bench-__UNIQUE__',
        },
        body: JSON.stringify({
          customer_name: 'Bench Customer',
          customer_email: 'bench-__UNIQUE__@example.com',
          // A number of its own per request, as real creates have: the server remembers the
          // numbers it parsed lately (customer-rules.ts), and one number throughout would be
          // parsed once for the whole run.
          customer_phone: '+1920__SERIAL__',
          customer_country: 'USA',
          customer_type: 'individual',
          customer_address: {
            city: 'Green Bay',
            state: 'WI',
            zipcode: '54301',
            street: 'Main Street',
            number: '12',
            country: 'USA',
          },
        }),
      },
    }),
    login: async () => ({
      label: 'login',
      template: {
        method: 'POST',
        paths: ['/api/v1/auth/login'],
        headers: JSON_HEADERS,
        body: JSON.stringify({ account_id: reader.accountId, app_secret: reader.appSecret }),
      },
    }),
  };

  const scenarios = [];
  for (const name of names) {
    const built = await builders[name]();
    const bytes = await responseBytes(port, built.template, samples);
    scenarios.push({ name, ...built, responseBytes: bytes });
  }
  return scenarios;
}

/** The same request shape, sent to the bare server's path for a body of `bytes` bytes. */
export function bareTemplate(template, bytes) {
  // As many (identical) paths as the scenario has, so the client picks one per request alike.
  return { ...template, paths: template.paths.map(() => `/${bytes}`) };
}
