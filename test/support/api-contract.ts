import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import standaloneCode from 'ajv/dist/standalone';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

const ROOT = join(__dirname, '..', '..');

function load(): { routes: Route[]; doc: Schema; text: string } {
  const text = readFileSync(join(ROOT, 'openapi.json'), 'utf8');
  const doc = JSON.parse(text) as { paths: Record<string, Record<string, Operation>> };
  const routes: Route[] = [];
  for (const [template, methods] of Object.entries(doc.paths)) {
    const params = (template.match(/\{[^}]+\}/g) ?? []).length;
    const pattern = new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+?')}$`);
    for (const [method, operation] of Object.entries(methods)) routes.push({ method: method.toUpperCase(), pattern, params, template, operation });
  }
  // A literal segment wins over a parameter (/api/users/me before /api/users/{id}).
  routes.sort((a, b) => a.params - b.params);
  return { routes, doc: doc as unknown as Schema, text };
}

/** An Ajv holding the document's schemas (added as 'openapi'): what every validator's refs resolve in. */
function ajvFor(doc: Schema, opts: { source?: boolean } = {}): Ajv {
  const schemas = (doc as { components: { schemas?: Record<string, Schema> } }).components.schemas ?? {};
  const components = { schemas: Object.fromEntries(Object.entries(schemas).map(([k, v]) => [k, strict(v)])) };
  const ajv = new Ajv({ strict: false, allErrors: true, ...(opts.source ? { code: { source: true } } : {}) });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi', components }, 'openapi');
  return ajv;
}

/** Refs in the document point at #/components/…: resolved in the document added as 'openapi'. */
const rebased = (schema: Schema): string => JSON.stringify(strict(schema)).replace(/"#\/components\//g, '"openapi#/components/');
const idOf = (rebasedSchema: string) => `v${createHash('sha1').update(rebasedSchema).digest('hex')}`;

type Response = Operation['responses'][string];
const responseOf = (doc: Schema, response: Response): Response =>
  response.$ref ? (doc as { components: { responses: Record<string, Response> } }).components.responses[response.$ref.split('/').pop()!] : response;

/**
 * Where the validators of this document are compiled ahead (test/support/global-setup.ts): Ajv
 * writing each anew took 50-270 ms in every test file, most of it the first validators of the large
 * schemas (a conversation, a message), which every file compiled again.
 */
function precompiledFile(documentText: string): string {
  const key = createHash('sha1')
    .update(JSON.stringify([require('ajv/package.json').version, require('ajv-formats/package.json').version]))
    .update(readFileSync(__filename))
    .update(documentText)
    .digest('hex');
  return join(ROOT, 'node_modules', '.cache', 'api-contract', `${key}.js`);
}

/**
 * Compiles a validator for every JSON answer of the committed document into one module, once per
 * version of the document (kept under node_modules/.cache). The few named schemas checked on their
 * own (schemaViolation: events, webhook bodies) are compiled where they are used: all of them would
 * make the module 2.8 MB instead of 1.6, and every test file parses it.
 */
export function precompileContract(): void {
  const { doc, text } = load();
  const file = precompiledFile(text);
  if (existsSync(file)) return;
  const schemas = new Map<string, Schema>();
  const add = (schema: Schema) => {
    const r = rebased(schema);
    schemas.set(idOf(r), JSON.parse(r) as Schema);
  };
  for (const methods of Object.values((doc as { paths: Record<string, Record<string, Operation>> }).paths))
    for (const operation of Object.values(methods))
      for (const response of Object.values(operation.responses)) {
        const schema = responseOf(doc, response).content?.['application/json']?.schema;
        if (schema) add(schema);
      }
  const ajv = ajvFor(doc, { source: true });
  for (const [id, schema] of schemas) ajv.addSchema({ ...schema, $id: id });
  const code = standaloneCode(ajv, Object.fromEntries([...schemas.keys()].map((id) => [id, id])));
  mkdirSync(join(file, '..'), { recursive: true });
  // Written aside and renamed: a run starting at the same time never reads half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  renameSync(tmp, file);
}

let loaded: ReturnType<typeof load> | undefined;
let precompiled: Record<string, ValidateFunction> | undefined;
let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

function validatorFor(key: string, schema: Schema): ValidateFunction {
  let v = validators.get(key);
  if (!v) {
    const r = rebased(schema);
    if (!precompiled) {
      const file = precompiledFile(loaded!.text);
      precompiled = existsSync(file) ? (require(file) as Record<string, ValidateFunction>) : {};
    }
    // Not compiled ahead (a named schema, or no global setup ran): compiled here, the same way.
    v = precompiled[idOf(r)] ?? (ajv ??= ajvFor(loaded!.doc)).compile(JSON.parse(r) as Schema);
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
  const listed = route.operation.responses[String(status)];
  if (!listed) return `${where}: the document lists no ${status} for this operation (it lists ${Object.keys(route.operation.responses).join(', ')})`;
  const response = responseOf(loaded.doc, listed);
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
