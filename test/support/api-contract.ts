import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The contract test: every answer an e2e suite receives through TestApp.request is checked against
 * the committed OpenAPI document (openapi.json, which api-docs proves is what the app serves). An
 * undocumented status, a JSON body where none is documented, a field the schema does not list, a
 * missing required field, a wrong type or an error `code` the route does not document fails the
 * test that received it. Routes the document leaves out (platform webhooks, the dashboard's pages)
 * are not checked.
 */

type Schema = Record<string, unknown>;
interface Operation {
  responses: Record<string, { $ref?: string; content?: Record<string, { schema?: Schema }> }>;
}
interface Route {
  method: string;
  pattern: RegExp;
  params: number;
  template: string;
  operation: Operation;
}

const MAPS = ['properties', 'patternProperties', 'definitions'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'];
const SCHEMAS = ['items', 'not', 'additionalProperties'];

/** OpenAPI 3.0 schema -> JSON Schema as the contract reads it: nullable as a type, and objects closed unless they say otherwise. */
function strict(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strict);
  if (!node || typeof node !== 'object') return node;
  const s: Schema = { ...(node as Schema) };
  for (const k of MAPS) if (s[k]) s[k] = Object.fromEntries(Object.entries(s[k] as Schema).map(([name, v]) => [name, strict(v)]));
  for (const k of SCHEMA_LISTS) if (Array.isArray(s[k])) s[k] = (s[k] as unknown[]).map(strict);
  for (const k of SCHEMAS) if (s[k] && typeof s[k] === 'object') s[k] = strict(s[k]);
  if (s.properties && s.additionalProperties === undefined) s.additionalProperties = false;
  if (s.nullable === true) {
    delete s.nullable;
    return { anyOf: [{ type: 'null' }, s] };
  }
  return s;
}

function load(): { routes: Route[]; ajv: Ajv; doc: Schema } {
  const doc = JSON.parse(readFileSync(join(__dirname, '..', '..', 'openapi.json'), 'utf8')) as {
    paths: Record<string, Record<string, Operation>>;
    components: { schemas?: Record<string, Schema>; responses?: Record<string, unknown> };
  };
  const components = {
    schemas: Object.fromEntries(Object.entries(doc.components.schemas ?? {}).map(([k, v]) => [k, strict(v)])),
  };
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components }, 'openapi');
  const routes: Route[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    const params = (template.match(/\{[^}]+\}/g) ?? []).length;
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+?')}$`);
    for (const [method, operation] of Object.entries(methods)) routes.push({ method: method.toUpperCase(), pattern, params, template, operation });
  }
  // A literal segment wins over a parameter (/api/users/me before /api/users/{id}).
  routes.sort((a, b) => a.params - b.params);
  return { routes, ajv, doc: doc as unknown as Schema };
}

let loaded: ReturnType<typeof load> | undefined;
const validators = new Map<string, ValidateFunction>();

function validatorFor(key: string, schema: Schema): ValidateFunction {
  let v = validators.get(key);
  if (!v) {
    // Refs in the document point at #/components/…: resolve them in the document added as 'openapi'.
    const rebased = JSON.parse(JSON.stringify(strict(schema)).replace(/"#\/components\//g, '"openapi#/components/')) as Schema;
    v = loaded!.ajv.compile(rebased);
    validators.set(key, v);
  }
  return v;
}

/** Why an answer breaks the contract, or null when it keeps it (or its route is not in the document). */
export function contractViolation(method: string, url: string, status: number, headers: Record<string, unknown>, body: unknown): string | null {
  loaded ??= load();
  const path = url.split('?')[0];
  const route = loaded.routes.find((r) => r.method === method.toUpperCase() && r.pattern.test(path));
  if (!route) return null;
  const where = `${method.toUpperCase()} ${route.template} answered ${status}`;
  let response = route.operation.responses[String(status)];
  if (!response) return `${where}: the document lists no ${status} for this operation (it lists ${Object.keys(route.operation.responses).join(', ')})`;
  if (response.$ref)
    response = (loaded.doc as { components: { responses: Record<string, typeof response> } }).components.responses[response.$ref.split('/').pop()!];
  const type = String(headers['content-type'] ?? '')
    .split(';')[0]
    .trim();
  const hasBody = body !== undefined && body !== '';
  if (type !== 'application/json') return null; // streams, files, pages: their bodies are not JSON Schemas
  const schema = response.content?.['application/json']?.schema;
  if (!schema) return hasBody ? `${where} with a JSON body, but the document gives this answer no body` : null;
  const validate = validatorFor(`${route.method} ${route.template} ${status}`, schema);
  if (validate(body)) return null;
  const problems = (validate.errors ?? []).map(
    (e) =>
      `${e.instancePath || '(body)'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}${e.params && 'allowedValues' in e.params ? ` (got ${JSON.stringify(pick(body, e.instancePath))})` : ''}`,
  );
  return `${where}, body not as documented: ${[...new Set(problems)].join('; ')}`;
}

function pick(body: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined), body);
}

/**
 * Why `value` is not a valid `components.schemas[name]` of the committed document (events on the
 * live stream, webhook bodies), or null when it is.
 */
export function schemaViolation(name: string, value: unknown): string | null {
  loaded ??= load();
  const validate = validatorFor(`schema ${name}`, { $ref: `#/components/schemas/${name}` });
  if (validate(value)) return null;
  const problems = (validate.errors ?? []).map(
    (e) => `${e.instancePath || '(value)'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`,
  );
  return `not a ${name} as documented: ${[...new Set(problems)].join('; ')} in ${JSON.stringify(value).slice(0, 500)}`;
}
