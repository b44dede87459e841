import { StreamableFile } from '@nestjs/common';
import { type ErrorCode, statusesOf } from '../../libs/domain/src';

// @nestjs/swagger's metadata keys (its DECORATORS constant is not exported from the package root).
const API_RESPONSE = 'swagger/apiResponse';
const MODEL_PROPERTIES = 'swagger/apiModelProperties';
const MODEL_PROPERTIES_ARRAY = 'swagger/apiModelPropertiesArray';

/** The OpenAPI schema of an error answer whose `code` is one of `codes`. */
export const errorSchema = (status: number, codes: readonly ErrorCode[]) => ({
  type: 'object' as const,
  required: ['statusCode', 'code', 'message'],
  additionalProperties: false,
  properties: {
    statusCode: { type: 'integer' as const, enum: [status] },
    code: { type: 'string' as const, enum: [...codes].sort() },
    message: { type: 'string' as const },
  },
});

/** The codes of an error answer, each with its meaning in the catalogue (docs/errors.md, /docs/errors). */
export const errorDescription = (codes: readonly ErrorCode[]) => `Error: ${[...codes].sort().join(', ')} (see /docs/errors)`;

/** Adds `codes` to the error answer `status` documented on `target` (a handler or a controller). */
function addErrorCodes(target: object, status: number, codes: readonly ErrorCode[]): void {
  const responses = (Reflect.getMetadata(API_RESPONSE, target) ?? {}) as Record<string, { schema?: { properties?: { code?: { enum?: ErrorCode[] } } } }>;
  const all = [...new Set([...(responses[status]?.schema?.properties?.code?.enum ?? []), ...codes])];
  Reflect.defineMetadata(API_RESPONSE, { ...responses, [status]: { description: errorDescription(all), schema: errorSchema(status, all) } }, target);
}

/**
 * Documents the error answers of a route (or of every route of a controller): one response per
 * status, its `code` an enum of the given catalogue codes, merged with the codes other decorators
 * document for that status. A code answered with several statuses is listed under each, unless
 * given as `CODE@status`. The errors every route shares (validation, authentication, 5xx) are
 * added to the document by buildApiDocument.
 */
export function ApiErrors(...codes: Array<ErrorCode | `${ErrorCode}@${number}`>) {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const entry of codes) {
    // CODE@status: a code answered with several statuses, of which this route uses one.
    const [code, only] = entry.split('@') as [ErrorCode, string | undefined];
    for (const status of only ? [Number(only)] : statusesOf(code)) byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const decorate = (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) {
      for (const [status, list] of byStatus) addErrorCodes(descriptor.value as object, status, list);
      return descriptor;
    }
    // A controller: class decorators run after the methods', so a handler that documents the same
    // status gets these codes added (swagger would let the handler's answer replace the class's).
    for (const [status, list] of byStatus) addErrorCodes(target, status, list);
    const proto = (target as { prototype: Record<string, unknown> }).prototype;
    for (const name of Object.getOwnPropertyNames(proto)) {
      const handler = name === 'constructor' ? undefined : Object.getOwnPropertyDescriptor(proto, name)?.value;
      const documented = typeof handler === 'function' ? (Reflect.getMetadata(API_RESPONSE, handler) as Record<string, unknown> | undefined) : undefined;
      for (const [status, list] of byStatus) if (documented?.[status]) addErrorCodes(handler as object, status, list);
    }
    return target;
  };
  return decorate as ClassDecorator & MethodDecorator;
}

type ResponseEntry = { type?: unknown; isArray?: boolean };
type PropertyMeta = { type?: unknown; isArray?: boolean; additionalProperties?: unknown };

const SCALARS: unknown[] = [String, Number, Boolean, Date, Object, Array];
const isLazy = (t: unknown): t is () => unknown => typeof t === 'function' && t.name === 'type';

/** The documented model class a swagger `type` names, if it names one. */
function modelOf(type: unknown): (new () => unknown) | undefined {
  const t = isLazy(type) ? type() : type;
  if (typeof t !== 'function' || SCALARS.includes(t)) return undefined;
  return Reflect.getMetadata(MODEL_PROPERTIES_ARRAY, t.prototype) ? (t as new () => unknown) : undefined;
}

/** What whitelist copies of a model: each documented key, and the model of its value if it has one. */
type Plan = Array<{ key: string; nested?: new () => unknown; isArray: boolean }>;
const plans = new WeakMap<object, Plan>();

/** Read from the swagger metadata once per model: the metadata does not change after the classes load. */
function planOf(model: new () => unknown): Plan {
  let plan = plans.get(model);
  if (!plan) {
    const proto = model.prototype as object;
    const keys = (Reflect.getMetadata(MODEL_PROPERTIES_ARRAY, proto) as string[]).map((k) => k.slice(1));
    plan = [...new Set(keys)].map((key) => {
      const meta = (Reflect.getMetadata(MODEL_PROPERTIES, proto, key) ?? {}) as PropertyMeta;
      return { key, nested: modelOf(meta.type), isArray: Boolean(meta.isArray || Array.isArray(meta.type)) };
    });
    plans.set(model, plan);
  }
  return plan;
}

/**
 * Copies `value` keeping only the properties the model class documents, recursively: the response
 * DTO is the whitelist, so a field a service adds (a sealed credential, a tenant id) never reaches
 * a client unless the contract names it.
 */
export function whitelist(value: unknown, model: new () => unknown, isArray = false): unknown {
  if (value === null || value === undefined) return value;
  if (isArray) return Array.isArray(value) ? value.map((v) => whitelist(v, model)) : value;
  if (typeof value !== 'object' || value instanceof Date) return value;
  const out: Record<string, unknown> = {};
  for (const { key, nested, isArray: nestedArray } of planOf(model)) {
    const v = (value as Record<string, unknown>)[key];
    if (v === undefined) continue;
    out[key] = nested ? whitelist(v, nested, nestedArray) : v;
  }
  return out;
}

type Answer = (value: unknown) => unknown;
/** By controller, then handler: a handler inherited by two controllers may answer under each one's documentation. */
const answers = new WeakMap<object, WeakMap<object, Answer | null>>();

/** The documented success body of a handler: its 2xx response with a model type. */
export function documentedBody(handler: object, controller: object): { model: new () => unknown; isArray: boolean } | undefined {
  const responses = {
    ...((Reflect.getMetadata(API_RESPONSE, controller) ?? {}) as Record<string, ResponseEntry>),
    ...((Reflect.getMetadata(API_RESPONSE, handler) ?? {}) as Record<string, ResponseEntry>),
  };
  for (const [status, entry] of Object.entries(responses)) {
    const model = Number(status) < 300 ? modelOf(entry.type) : undefined;
    if (model) return { model, isArray: Boolean(entry.isArray) };
  }
  return undefined;
}

/**
 * What a handler's answers go through on their way out: a copy that keeps what its documented
 * response model names (see whitelist), files and bytes as they are; undefined for a handler that
 * documents no model. Looked up once: a handler's documentation is fixed once its class is loaded.
 */
export function answerOf(handler: object, controller: object): Answer | undefined {
  let ofController = answers.get(controller);
  if (!ofController) answers.set(controller, (ofController = new WeakMap()));
  let answer = ofController.get(handler);
  if (answer === undefined) {
    const body = documentedBody(handler, controller);
    answer = body ? (value) => (value instanceof StreamableFile || Buffer.isBuffer(value) ? value : whitelist(value, body.model, body.isArray)) : null;
    ofController.set(handler, answer);
  }
  return answer ?? undefined;
}
