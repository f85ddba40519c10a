import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

const base: Options = { allErrors: true, removeAdditional: false, useDefaults: true, strict: false };

/**
 * Bodies are validated exactly as sent (no coercion: "2" is not a quantity, unknown fields are
 * rejected, not dropped); query strings and path parameters are text, so they are coerced.
 */
export function validatorCompiler(sharedSchemas: readonly object[]): FastifySchemaCompiler<object> {
  const make = (coerceTypes: boolean) => {
    const ajv = new Ajv({ ...base, coerceTypes });
    addFormats.default(ajv);
    for (const schema of sharedSchemas) ajv.addSchema(schema);
    return ajv;
  };
  const strict = make(false);
  const coercing = make(true);
  return ({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema);
}
