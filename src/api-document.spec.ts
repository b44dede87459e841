import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES, isErrorCode, statusesOf, type ErrorCode } from '../libs/domain/src';

/**
 * Done means (issue 14): every operation of the committed document (openapi.json, which the
 * api-docs suite proves is what the app serves) documents its success body and its error answers
 * with their codes, and every catalogued code is documented on some operation.
 */
type Response = { $ref?: string; content?: Record<string, { schema?: { properties?: { code?: { enum?: string[] } } } }> };
type Operation = {
  operationId: string;
  tags?: string[];
  parameters?: unknown[];
  requestBody?: unknown;
  security?: unknown[];
  responses: Record<string, Response>;
};
const doc = JSON.parse(readFileSync(join(__dirname, '..', 'openapi.json'), 'utf8')) as {
  paths: Record<string, Record<string, Operation>>;
  components: { responses: Record<string, Response> };
};
const operations = Object.entries(doc.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })),
);
const resolve = (r: Response) => (r.$ref ? doc.components.responses[r.$ref.split('/').pop()!] : r);
const codesOf = (r: Response) => resolve(r).content?.['application/json']?.schema?.properties?.code?.enum ?? [];

/** Codes only routes outside the document answer with (platform webhooks) or no route in particular. */
const UNDOCUMENTED_ROUTES_ONLY: ErrorCode[] = [
  'FORBIDDEN',
  'METHOD_NOT_ALLOWED',
  'NOT_ACCEPTABLE',
  'INVALID_SIGNATURE',
  'VERIFY_TOKEN_MISMATCH',
  'TELEGRAM_UPDATE_INVALID',
  'CRM_WEBHOOK_UNREADABLE',
  'INVALID_SIGNED_REQUEST',
  'SIGNED_REQUEST_EXPIRED',
  'OPERATOR_EXISTS',
];

describe('the API document (openapi.json)', () => {
  it('has operations', () => expect(operations.length).toBeGreaterThan(90));

  it('documents the success answer of 100% of operations: a JSON body by a named schema, or no body, or another media type', () => {
    const missing = operations.filter(({ op }) => {
      const success = Object.entries(op.responses).filter(([s]) => Number(s) < 400);
      return !success.length || success.some(([s, r]) => Number(s) < 300 && Number(s) !== 204 && !r.content);
    });
    expect(missing.map((m) => m.name)).toEqual([]);
    const unnamed = operations.filter(({ op }) =>
      Object.entries(op.responses).some(
        ([s, r]) => Number(s) < 300 && r.content?.['application/json'] && !JSON.stringify(r.content['application/json'].schema).includes('$ref'),
      ),
    );
    expect(unnamed.map((m) => m.name)).toEqual([]);
  });

  it('documents the 4xx and 5xx answers of 100% of operations, each with its codes from the catalogue', () => {
    for (const { name, op } of operations) {
      const errors = Object.entries(op.responses).filter(([s]) => Number(s) >= 400);
      // Only an operation with nothing a client can get wrong (no parameters, body or token) may have no 4xx.
      const takesInput = Boolean(op.parameters?.length || op.requestBody || op.security?.length);
      expect([name, errors.some(([s]) => Number(s) < 500) || !takesInput, errors.some(([s]) => Number(s) >= 500)]).toEqual([name, true, true]);
      for (const [status, r] of errors) {
        const codes = codesOf(r);
        // An answer with a body of its own (health's 503 says which database is down) instead of an error.
        const ownBody = JSON.stringify(resolve(r).content?.['application/json']?.schema ?? {}).includes('"$ref"');
        expect([name, status, codes.length > 0 || ownBody]).toEqual([name, status, true]);
        for (const code of codes) expect([name, code, isErrorCode(code) && statusesOf(code).includes(Number(status))]).toEqual([name, code, true]);
      }
    }
  });

  it('documents every catalogued code on some operation (a new code needs its routes)', () => {
    const documented = new Set(operations.flatMap(({ op }) => Object.values(op.responses).flatMap(codesOf)));
    expect(ERROR_CODES.filter((c) => !documented.has(c) && !UNDOCUMENTED_ROUTES_ONLY.includes(c))).toEqual([]);
  });

  it('gives every operation a unique operationId and a tag', () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
    expect(operations.filter(({ op }) => !op.tags?.length).map((m) => m.name)).toEqual([]);
  });
});
