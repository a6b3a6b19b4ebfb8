import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CUSTOMER_FIELDS_IN_ORDER } from '../helpers/contract.js';
import { createTestApp, type TestApp } from '../helpers/test-app.js';

/**
 * GET /api/v1/openapi.json (SPEC §7): a valid OpenAPI 3.1 document, checked by an independent
 * validator, that describes every route of the route table with its request and response schemas.
 */

type Json = Record<string, unknown>;

interface TableRoute {
  method: string;
  /** Fastify form: /api/v1/customer/:customer_id */
  url: string;
  /** OpenAPI form: /api/v1/customer/{customer_id} */
  path: string;
}

const ROUTE_TABLE = fileURLToPath(new URL('../../src/routes/index.ts', import.meta.url));
const OPENAPI_URL = '/api/v1/openapi.json';

/**
 * The explicit route table of src/routes/index.ts: one `registerX(…); // METHOD /path` line per
 * operation ("(and PATCH)" for a second method). A register call without its comment fails here,
 * so a route cannot slip out of this test.
 */
function routeTable(): TableRoute[] {
  const source = readFileSync(ROUTE_TABLE, 'utf8');
  const body = source.slice(source.indexOf('export function registerRoutes'));
  const routes: TableRoute[] = [];
  for (const line of body.split('\n')) {
    if (!/^\s*register\w+\(/.test(line)) continue;
    const match =
      /\/\/\s*(GET|POST|PUT|PATCH|DELETE)\s+(\/\S*)(?:\s+\(and (GET|POST|PUT|PATCH|DELETE)\))?/.exec(
        line,
      );
    if (!match)
      throw new Error(`route table line without a "// METHOD /path" comment: ${line.trim()}`);
    const url = match[2]!;
    const path = url.replace(/:(\w+)/g, '{$1}');
    routes.push({ method: match[1]!, url, path });
    if (match[3]) routes.push({ method: match[3], url, path });
  }
  return routes;
}

/** What SPEC says each operation takes; routes not listed get the default rules below. */
const REQUEST_EXPECTATIONS: Record<string, { body?: string[]; query?: string[]; noBody?: true }> = {
  'POST /api/v1/auth/login': { body: ['account_id', 'app_secret'] },
  'POST /api/v1/auth/logout': { noBody: true },
  'POST /api/v1/generate-secret': { noBody: true },
  'POST /api/v1/customer': {
    body: ['customer_name', 'customer_email', 'customer_phone', 'customer_country'],
  },
  'GET /api/v1/customer': {
    query: [
      'page',
      'per_page',
      'cursor',
      'email',
      'search',
      'country',
      'customer_status',
      'kyc_status',
      'customer_type',
      'created_from',
      'created_to',
    ],
  },
  'PUT /api/v1/customer/{customer_id}': { body: [] },
  'PATCH /api/v1/customer/{customer_id}': { body: [] },
  'POST /api/v1/business/webhook': { body: ['url'] },
  'POST /api/v1/verification/verify-customer': { body: ['customer_id', 'type'] },
  'PUT /api/v1/customer/kyc/update': { body: ['customer_id', 'type'] },
};

/** POSTs that SPEC gives no body: an action on the resource in the path. */
const ACTION_WITHOUT_BODY = /\/(logout|generate-secret|regenerate-secret|retry)$/;

/** Routes that need no credentials; every other /api/v1 route must declare its security. */
const PUBLIC_ROUTES = new Set(['POST /api/v1/auth/login', `GET ${OPENAPI_URL}`]);

/** Writes that need Idempotency-Key (SPEC §5): POST/PUT/PATCH under /api/v1 except auth. */
function needsIdempotencyKey(route: TableRoute): boolean {
  return (
    ['POST', 'PUT', 'PATCH'].includes(route.method) &&
    route.path.startsWith('/api/v1/') &&
    !route.path.startsWith('/api/v1/auth/')
  );
}

function jsonSchemaOf(content: unknown): Json | undefined {
  const media = (content as Json | undefined)?.['application/json'] as Json | undefined;
  return media?.schema as Json | undefined;
}

describe('GET /api/v1/openapi.json', () => {
  let t: TestApp;
  let raw: Json;
  /** The document with every $ref resolved. */
  let doc: Json;
  const routes = routeTable();

  function operation(route: TableRoute): Json {
    const item = (doc.paths as Record<string, Json | undefined>)[route.path];
    const op = item?.[route.method.toLowerCase()] as Json | undefined;
    if (!op) throw new Error(`${route.method} ${route.path} is not in the OpenAPI document`);
    return op;
  }

  function parametersOf(op: Json, location: string): Json[] {
    return ((op.parameters as Json[] | undefined) ?? []).filter((p) => p.in === location);
  }

  beforeAll(async () => {
    t = await createTestApp();
    const response = await t.app.inject({ method: 'GET', url: OPENAPI_URL });
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    raw = JSON.parse(response.body);
    const validator = new Validator();
    const result = await validator.validate(structuredClone(raw));
    expect(result.errors, JSON.stringify(result.errors, null, 2)).toBeUndefined();
    expect(result.valid).toBe(true);
    doc = validator.resolveRefs() as Json;
  });

  afterAll(async () => {
    await t.close();
  });

  it('is a valid OpenAPI 3.1 document (independent validator)', async () => {
    expect(raw.openapi).toMatch(/^3\.1\.\d+$/);
    const validator = new Validator();
    const result = await validator.validate(structuredClone(raw));
    expect(result.valid, JSON.stringify(result.errors, null, 2)).toBe(true);
    expect(validator.version).toBe('3.1');
    expect((raw.info as Json).title).toEqual(expect.any(String));
    expect((raw.info as Json).version).toEqual(expect.any(String));
  });

  it('the validator is not a rubber stamp: a broken copy is rejected', async () => {
    const broken = structuredClone(raw);
    const firstPath = Object.values(broken.paths as Record<string, Json>)[0]!;
    const firstOp = Object.values(firstPath)[0] as Json;
    firstOp.responses = { 200: { content: { 'application/json': { schema: {} } } } }; // no description
    const result = await new Validator().validate(broken);
    expect(result.valid).toBe(false);
  });

  it('the route table was read (sanity)', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(keys).toEqual(
      expect.arrayContaining([
        'POST /api/v1/auth/login',
        'GET /api/v1/customer/{customer_id}',
        'POST /api/v1/customer',
        'GET /api/v1/customer',
      ]),
    );
    for (const route of routes) {
      expect(
        t.app.hasRoute({ method: route.method as 'GET', url: route.url }),
        `${route.method} ${route.url}`,
      ).toBe(true);
    }
  });

  it('every schema in it is valid JSON Schema 2020-12', () => {
    const schemas: Array<[string, Json]> = [];
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(item)) {
        const o = op as Json;
        for (const p of (o.parameters as Json[] | undefined) ?? [])
          schemas.push([`${method} ${path} param ${p.name}`, p.schema as Json]);
        const body = jsonSchemaOf((o.requestBody as Json | undefined)?.content);
        if (body) schemas.push([`${method} ${path} body`, body]);
        for (const [code, response] of Object.entries((o.responses as Json) ?? {})) {
          const schema = jsonSchemaOf((response as Json).content);
          if (schema) schemas.push([`${method} ${path} ${code}`, schema]);
        }
      }
    }
    expect(schemas.length).toBeGreaterThan(routes.length);
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    for (const [where, schema] of schemas) {
      expect(ajv.validateSchema(schema), `${where}: ${JSON.stringify(ajv.errors)}`).toBe(true);
    }
  });

  describe.each(routes.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (key, route) => {
    it('is documented, with a summary', () => {
      const op = operation(route);
      expect(op.summary, `${key} summary`).toEqual(expect.any(String));
    });

    it('documents its path parameters', () => {
      const op = operation(route);
      const names = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      const documented = parametersOf(op, 'path');
      for (const name of names) {
        const param = documented.find((p) => p.name === name);
        expect(param, `${key}: path parameter ${name}`).toBeDefined();
        expect(param!.required).toBe(true);
        expect(param!.schema, `${key}: schema of ${name}`).toEqual(expect.any(Object));
      }
      expect(documented.map((p) => p.name).sort()).toEqual([...names].sort());
    });

    it('documents its request body and query parameters', () => {
      const op = operation(route);
      const expectation = REQUEST_EXPECTATIONS[key];
      const takesBody =
        expectation?.body !== undefined ||
        (expectation?.noBody !== true &&
          ['POST', 'PUT', 'PATCH'].includes(route.method) &&
          !ACTION_WITHOUT_BODY.test(route.path));
      const body = jsonSchemaOf((op.requestBody as Json | undefined)?.content);
      if (takesBody) {
        expect(body, `${key}: requestBody application/json schema`).toBeDefined();
        expect(body!.type).toBe('object');
        expect(Object.keys((body!.properties as Json | undefined) ?? {}).length).toBeGreaterThan(0);
        expect(body!.required ?? []).toEqual(expect.arrayContaining(expectation?.body ?? []));
      }
      for (const name of expectation?.query ?? []) {
        const param = parametersOf(op, 'query').find((p) => p.name === name);
        expect(param, `${key}: query parameter ${name}`).toBeDefined();
        expect(param!.schema, `${key}: schema of query ${name}`).toEqual(expect.any(Object));
      }
    });

    it('documents its success response with a schema', () => {
      const op = operation(route);
      const responses = (op.responses as Json | undefined) ?? {};
      const success = Object.keys(responses).filter((code) => /^2\d\d$/.test(code));
      expect(success, `${key}: a 2xx response`).not.toHaveLength(0);
      for (const code of success) {
        const content = (responses[code] as Json).content;
        // Prometheus scrapes text, not JSON: /metrics documents a text/plain schema instead.
        const schema =
          route.path === '/metrics'
            ? (((content as Json | undefined)?.['text/plain'] as Json | undefined)?.schema as
                | Json
                | undefined)
            : jsonSchemaOf(content);
        expect(schema, `${key} ${code}: response schema`).toBeDefined();
        if (route.path.startsWith('/api/v1/') && route.path !== OPENAPI_URL) {
          // The success envelope of SPEC §1.
          expect(Object.keys((schema!.properties as Json) ?? {})).toEqual(
            expect.arrayContaining(['status', 'status_code', 'message', 'data']),
          );
        }
      }
    });

    it('documents its security and 401 when it needs credentials', () => {
      if (!route.path.startsWith('/api/v1/') || PUBLIC_ROUTES.has(key)) return;
      const op = operation(route);
      const security =
        (op.security as Array<Json> | undefined) ?? (doc.security as Array<Json> | undefined);
      expect(security, `${key}: security`).toEqual(
        expect.arrayContaining([expect.objectContaining({ bearerAuth: [] })]),
      );
      const unauthorized = (op.responses as Json)['401'] as Json | undefined;
      expect(unauthorized, `${key}: 401 response`).toBeDefined();
      expect(jsonSchemaOf(unauthorized!.content)).toBeDefined();
    });

    if (needsIdempotencyKey(route)) {
      it('documents the required Idempotency-Key header', () => {
        const header = parametersOf(operation(route), 'header').find(
          (p) => String(p.name).toLowerCase() === 'idempotency-key',
        );
        expect(header, `${key}: Idempotency-Key header parameter`).toBeDefined();
        expect(header!.required).toBe(true);
      });
    }
  });

  it('documents the list response’s pagination object', () => {
    const op = operation({ method: 'GET', url: '/api/v1/customer', path: '/api/v1/customer' });
    const schema = jsonSchemaOf(((op.responses as Json)['200'] as Json).content)!;
    const pagination = (schema.properties as Json).pagination as Json | undefined;
    expect(pagination, 'pagination in the 200 schema').toBeDefined();
    expect(Object.keys(pagination!.properties as Json)).toEqual(
      expect.arrayContaining([
        'total',
        'per_page',
        'current_page',
        'last_page',
        'next_page_url',
        'prev_page_url',
        'next_cursor',
      ]),
    );
  });

  it('documents the customer object with every SPEC §3 field', () => {
    const op = operation({
      method: 'GET',
      url: '/api/v1/customer/:customer_id',
      path: '/api/v1/customer/{customer_id}',
    });
    const schema = jsonSchemaOf(((op.responses as Json)['200'] as Json).content)!;
    const data = (schema.properties as Json).data as Json;
    expect(Object.keys(data.properties as Json)).toEqual([...CUSTOMER_FIELDS_IN_ORDER]);
    // Identity documents are never returned, so never documented in a response.
    expect(JSON.stringify(data)).not.toMatch(
      /customer_id(Type|Number|Front|Back|Country|Expiration)/,
    );
  });
});
