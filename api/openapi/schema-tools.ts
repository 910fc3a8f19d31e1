/** A JSON Schema (2020-12, the dialect of OpenAPI 3.1) or any other piece of the API description. */
export type Json = { [key: string]: unknown };

/** An OpenAPI Paths object: path → method → operation. */
export type Paths = Record<string, Record<string, Json>>;

export const ref = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });

/**
 * A plain copy of a schema ajv validates with, to put in the description. The validators' own
 * objects are `as const` and shared, so they are copied, never annotated in place; the draft-07
 * keywords they use mean the same in JSON Schema 2020-12.
 */
export function fromAjv(schema: object, annotations: Json = {}): Json {
  return { ...(structuredClone(schema) as Json), ...annotations };
}

/** A JSON response body. */
export const jsonContent = (schema: Json): Json => ({ 'application/json': { schema } });
