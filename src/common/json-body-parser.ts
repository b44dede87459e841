import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { invalid } from '../../libs/domain/src';

/**
 * How deeply a JSON body may nest. JSON.parse itself copes with any depth, but what reads the
 * result afterwards mostly recurses (class-transformer, validators, JSON.stringify, PostgreSQL's
 * jsonb input), and a few thousand levels overflow the stack: a 500 from a 10 KB body. No DTO
 * nests beyond 4 levels, and the deepest real platform payload seen (a WhatsApp contacts message)
 * nests 12, so both bounds leave ample room.
 */
export const API_JSON_MAX_DEPTH = 64;
export const WEBHOOK_JSON_MAX_DEPTH = 128;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Whether the JSON text nests objects and arrays deeper than `limit`, found in one pass over the
 * bytes without parsing (brackets inside strings do not count; every byte of a multi-byte UTF-8
 * character is >= 0x80, so none is mistaken for one). Malformed text gives some answer; the
 * parser then refuses it anyway.
 */
export function nestsDeeperThan(json: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const b = json[i];
    if (inString) {
      if (b === BACKSLASH) i++;
      else if (b === QUOTE) inString = false;
    } else if (b === QUOTE) {
      inString = true;
    } else if (b === OPEN_BRACKET || b === OPEN_BRACE) {
      if (++depth > limit) return true;
    } else if (b === CLOSE_BRACKET || b === CLOSE_BRACE) {
      depth--;
    }
  }
  return false;
}

/**
 * Platform webhooks get the larger bound. Above it they are refused with 400 too, before their
 * signature is even checked: the platforms build these documents from fixed, shallow schemas
 * (what an End User types is always a string inside them), so a deeper one is forged or broken,
 * and refusing it whole stores nothing half.
 */
const maxDepthFor = (req: FastifyRequest) => (req.url.startsWith('/webhooks/') ? WEBHOOK_JSON_MAX_DEPTH : API_JSON_MAX_DEPTH);

/**
 * Every `application/json` body, API and webhooks alike, goes through Fastify's own JSON parser
 * (prototype-poisoning checks and error codes unchanged) after a depth check: too deep answers
 * 400 `JSON_TOO_DEEP`. Registered through Nest, so the raw bytes stay on `req.rawBody` for the
 * signature checks.
 */
export function useBoundedJsonParser(app: NestFastifyApplication, bodyLimit: number): void {
  const fastify = app.getHttpAdapter().getInstance();
  const parse = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<never>('application/json', { bodyLimit }, (req, body, done) => {
    const limit = maxDepthFor(req as unknown as FastifyRequest);
    if (nestsDeeperThan(body, limit)) {
      done(invalid('JSON_TOO_DEEP', `The JSON body nests objects and arrays deeper than ${limit} levels`), undefined);
      return;
    }
    // Typed for strings; it takes the buffer as it is (secure-json-parse reads both), as in Nest.
    parse(req as unknown as FastifyRequest, body as unknown as string, done);
  });
}
