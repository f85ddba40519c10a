import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { FastifyReply, FastifyRequest } from 'fastify';

type Json = Record<string, unknown>;
interface Header {
  required?: boolean;
  schema?: Json;
  $ref?: string;
}
interface Response {
  $ref?: string;
  headers?: Record<string, Header>;
  content?: Record<string, { schema?: Json }>;
}
interface Operation {
  operationId?: string;
  responses: Record<string, Response>;
}

const methods = ['get', 'put', 'post', 'delete', 'patch'] as const;

/**
 * Checks each HTTP response against the OpenAPI document the service serves: the status must be
 * declared for the operation, every required header present, every declared header and the body
 * valid against their schemas, the media type one the document names. A request that matched no
 * route must be a 404 or 405 problem. Routes the document leaves out on purpose (the document
 * itself, Swagger UI) are skipped; an alias route is checked as the operation it stands for.
 */
export function openApiConformance(document: () => Json) {
  let compiled: { ajv: Ajv2020; operations: Map<string, [string, Operation]> } | undefined;
  const load = () => {
    if (compiled) return compiled;
    const doc = document();
    // OpenAPI 3.1 schemas are JSON Schema 2020-12; the document is one schema resource so its
    // `#/components/...` references resolve.
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true });
    addFormats.default(ajv);
    ajv.addSchema({ ...doc, $id: 'openapi' });
    const operations = new Map<string, [string, Operation]>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, Operation>>)) {
      for (const method of methods) {
        const operation = item[method];
        if (!operation) continue;
        const pointer = `/paths/${pointerEscape(path)}/${method}`;
        operations.set(`${method.toUpperCase()} ${path}`, [pointer, operation]);
        if (operation.operationId) operations.set(operation.operationId, [pointer, operation]);
      }
    }
    compiled = { ajv, operations };
    return compiled;
  };

  const validate = (pointer: string, value: unknown): string[] => {
    const check = load().ajv.getSchema(`openapi#${pointer}`);
    if (!check) return [`no schema at ${pointer}`];
    return check(value) ? [] : (check.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
  };
  const resolve = <T extends { $ref?: string }>(object: T): { value: T; pointer: string } | undefined => {
    if (!object.$ref) return undefined;
    const pointer = object.$ref.slice(1);
    const value = pointer
      .split('/')
      .slice(1)
      .reduce<unknown>((node, key) => (node as Json)?.[pointerUnescape(key)], document());
    return value ? { value: value as T, pointer } : undefined;
  };

  /** The problems with one response; empty when the document describes it. */
  function check(request: FastifyRequest, reply: FastifyReply, payload: unknown): string[] {
    const status = reply.statusCode;
    const contentType =
      String(reply.getHeader('content-type') ?? '')
        .split(';')[0]
        ?.trim() ?? '';
    const route = request.routeOptions;
    if (!route.url) {
      // No route matched: the not-found handler answers 404, or 405 with Allow.
      const problems = [404, 405].includes(status) ? [] : [`unmatched request answered ${status}`];
      if (status === 405 && !reply.getHeader('allow')) problems.push('405 without Allow');
      if (contentType !== 'application/problem+json')
        problems.push(`unmatched request answered ${contentType}`);
      return [...problems, ...validate('/components/schemas/Problem', parse(payload))];
    }
    const documentedAs = route.config.documentedAs;
    const key = documentedAs ?? `${request.method} ${route.url.replace(/:(\w+)/g, '{$1}')}`;
    if (!documentedAs && (route.schema as { hide?: boolean } | undefined)?.hide) return [];
    if (request.method === 'HEAD' || request.method === 'OPTIONS') return [];
    const found = load().operations.get(key);
    if (!found) return [`${key} is not in the document`];
    const [operationPointer, operation] = found;
    const declared = operation.responses[String(status)] ?? operation.responses.default;
    if (!declared) return [`${status} is not documented for ${key}`];
    const shared = resolve(declared);
    const response = shared?.value ?? declared;
    const responsePointer = shared?.pointer ?? `${operationPointer}/responses/${status}`;

    const problems: string[] = [];
    for (const [name, header] of Object.entries(response.headers ?? {})) {
      const definition = resolve(header);
      const { required, schema } = definition?.value ?? header;
      const value = reply.getHeader(name);
      if (value === undefined) {
        if (required) problems.push(`required header ${name} is missing`);
        continue;
      }
      if (schema) {
        const pointer = `${definition?.pointer ?? `${responsePointer}/headers/${pointerEscape(name)}`}/schema`;
        problems.push(...validate(pointer, String(value)).map((p) => `header ${name}: ${p}`));
      }
    }
    const content = response.content;
    if (!content) {
      if (payload !== undefined && payload !== null && payload !== '')
        problems.push('a body the document does not declare');
      return problems;
    }
    if (!(contentType in content)) {
      return [...problems, `${contentType || 'no content type'} is not declared (${Object.keys(content)})`];
    }
    const body = contentType.endsWith('json') ? parse(payload) : String(payload);
    const pointer = `${responsePointer}/content/${pointerEscape(contentType)}/schema`;
    problems.push(...validate(pointer, body).map((p) => `body ${p}`));
    return problems;
  }

  return { check };
}

function parse(payload: unknown): unknown {
  try {
    return JSON.parse(String(payload));
  } catch {
    return payload;
  }
}

const pointerEscape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
const pointerUnescape = (key: string) => key.replace(/~1/g, '/').replace(/~0/g, '~');
