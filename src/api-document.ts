import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { type ErrorCode, statusesOf } from '../libs/domain/src';
import { errorDescription, errorSchema } from './common/api-contract';
import { EVENT_MODELS, addEventSchemas } from './events/event-payloads';

/** Title, version and auth of the OpenAPI document (/docs, /docs-json, openapi.json and the dashboard's client). */
export const apiDocumentConfig = () =>
  new DocumentBuilder()
    .setTitle('MonkeyMachine API')
    .setDescription('Omnichannel inbox: conversations, messages, contacts. Errors are {statusCode, code, message}; every code is listed at /docs/errors.')
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** `conversations_list`: the controller's area and the handler, stable while neither is renamed (openapi.json shows it if one is). */
export const operationId = (controllerKey: string, methodKey: string) => `${lowerFirst(controllerKey.replace(/Controller$/, ''))}_${methodKey}`;

type Operation = {
  parameters?: Array<{ in: string; name: string; schema?: { type?: string; format?: string } }>;
  requestBody?: unknown;
  security?: unknown[];
  responses: Record<string, { description?: string; content?: Record<string, { schema?: { properties?: { code?: { enum?: string[] } } } }> }>;
};

/** The errors an operation can answer with because of its shape, whatever it does. */
function sharedErrors(method: string, op: Operation): Array<[number, ErrorCode[]]> {
  const errors: Array<[number, ErrorCode[]]> = [
    [500, ['INTERNAL_ERROR']],
    [503, ['DATABASE_UNAVAILABLE']],
  ];
  const params = op.parameters ?? [];
  if (op.requestBody) {
    errors.push(
      [400, ['VALIDATION_FAILED', 'MALFORMED_JSON', 'JSON_TOO_DEEP', 'BAD_REQUEST']],
      [413, ['PAYLOAD_TOO_LARGE']],
      [415, ['UNSUPPORTED_MEDIA_TYPE']],
    );
  }
  if (params.some((p) => p.in === 'query')) errors.push([400, ['VALIDATION_FAILED']]);
  if (params.some((p) => p.in === 'query' && p.name === 'cursor')) errors.push([400, ['INVALID_CURSOR']]);
  if (params.some((p) => p.in === 'path' && (p.schema?.format === 'uuid' || p.schema?.type === 'number'))) errors.push([400, ['INVALID_ID']]);
  if (op.security?.length) {
    // Operators (staff) reach an organization only through a live grant, and only to read.
    errors.push([401, ['UNAUTHENTICATED']], [404, ['NOT_FOUND']]);
    if (method !== 'get') errors.push([403, ['OPERATOR_READ_ONLY']]);
  }
  return errors;
}

/** Adds `codes` to the operation's error answer for `status` (its code enum), creating it if needed. */
function addErrors(op: Operation, status: number, codes: ErrorCode[]): void {
  const documented = op.responses[status]?.content?.['application/json']?.schema;
  // An answer of its own for this status (health's 503 says which database is down): not an error body.
  if (documented && !documented.properties?.code?.enum) return;
  const existing = documented?.properties?.code?.enum ?? [];
  const all = [...new Set([...(existing as ErrorCode[]), ...codes])];
  op.responses[status] = { description: errorDescription(all), content: { 'application/json': { schema: errorSchema(status, all) } } };
}

/** The OpenAPI document of an app: what /docs-json serves and openapi.json holds. */
export function buildApiDocument(app: INestApplication): OpenAPIObject {
  const doc = SwaggerModule.createDocument(app, apiDocumentConfig(), { operationIdFactory: operationId, extraModels: EVENT_MODELS });
  addEventSchemas(doc as never);
  for (const methods of Object.values(doc.paths)) {
    for (const [method, op] of Object.entries(methods as Record<string, Operation>)) {
      if (typeof op !== 'object' || !op.responses) continue;
      // Errors are JSON whatever the success answer is (an event stream, a file): swagger files them under the route's media type.
      for (const [status, response] of Object.entries(op.responses)) {
        const content = response.content;
        if (Number(status) >= 400 && content && !content['application/json']) response.content = { 'application/json': Object.values(content)[0] };
      }
      for (const [status, codes] of sharedErrors(method, op)) addErrors(op, status, codes);
    }
  }
  singleCodeResponsesByRef(doc);
  return doc;
}

/** Error answers of one code are the same everywhere: one components.responses entry each, named by the code. */
function singleCodeResponsesByRef(doc: OpenAPIObject): void {
  const shared: Record<string, unknown> = {};
  for (const methods of Object.values(doc.paths)) {
    for (const op of Object.values(methods as Record<string, Operation>)) {
      if (typeof op !== 'object' || !op.responses) continue;
      for (const [status, response] of Object.entries(op.responses)) {
        const codes = response.content?.['application/json']?.schema?.properties?.code?.enum;
        if (Number(status) < 400 || codes?.length !== 1) continue;
        const code = codes[0] as ErrorCode;
        const name = statusesOf(code).length > 1 ? `${code}_${status}` : code;
        shared[name] = response;
        op.responses[status] = { $ref: `#/components/responses/${name}` } as never;
      }
    }
  }
  doc.components = { ...doc.components, responses: Object.fromEntries(Object.entries(shared).sort(([a], [b]) => a.localeCompare(b))) as never };
}
