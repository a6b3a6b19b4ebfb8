import { SerializerSelector } from '@fastify/fast-json-stringify-compiler';
import type { FastifyServerOptions } from 'fastify';

type BuildSerializer = NonNullable<
  NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']
>['buildSerializer'];

const buildDefaultSerializer = SerializerSelector();

/**
 * Fastify's own response serializers, compiled once per schema object instead of once per route
 * and status: the error envelopes are shared by every route, and compiling them again for each
 * was a good part of start-up.
 */
export const buildSharedSerializers: BuildSerializer = (externalSchemas, options) => {
  const compile = buildDefaultSerializer(externalSchemas, options);
  const compiled = new WeakMap<object, ReturnType<typeof compile>>();
  return (routeSchema) => {
    let serializer = compiled.get(routeSchema.schema as object);
    if (serializer === undefined) {
      serializer = compile(routeSchema);
      compiled.set(routeSchema.schema as object, serializer);
    }
    return serializer;
  };
};

/** A serializer for one response schema, compiled as Fastify compiles a route's. */
export function compileSerializer(schema: object): (data: unknown) => string {
  return buildDefaultSerializer({}, {})({ schema, method: 'GET', url: '', httpStatus: '200' });
}
