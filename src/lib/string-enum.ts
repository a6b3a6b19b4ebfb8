import { type SchemaOptions, Type } from '@sinclair/typebox';

/** A string limited to a fixed set, as one `enum` keyword: one clear validation error instead
 * of one per union branch, and a plain enum in the OpenAPI document. */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: SchemaOptions = {},
) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}
