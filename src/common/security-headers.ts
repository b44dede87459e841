import { RouteConfig } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * The headers browsers act on, for every answer (helmet): nosniff, no framing anywhere
 * (`frame-ancestors 'none'` and `X-Frame-Options: DENY`), no referrer, HSTS, a same-origin
 * resource and opener policy, and a Content-Security-Policy that fits what the answer is:
 *
 * - API answers (JSON) and everything else: `default-src 'none'`, nothing may load or run.
 * - HTML pages this service renders: their own inline style (by nonce), nothing else.
 * - The widget demo page: its inline console script and style (by nonce), widget.js and the API.
 * - The dashboard (`/`, its routes and /assets): its own scripts and styles, the style elements of
 *   its component library by nonce, and the API of this origin; no inline script at all.
 * - The Swagger UI at /docs: its own scripts; its inline styles (the page only shows our OpenAPI
 *   document, and its markup carries style attributes a nonce cannot cover).
 * - widget.js: loaded by `<script src>` from any Customer's site, so it is the one answer with
 *   `Cross-Origin-Resource-Policy: cross-origin` (also what sites with COEP require).
 *
 * And every answer that does not choose its own caching gets `Cache-Control: no-store`: API
 * answers carry tenant data and tokens, which no shared or browser cache should keep.
 */

/** What a route serves a browser, when it is more than an API answer. */
export type BrowserFacing = 'html-page' | 'demo-page' | 'dashboard' | 'embeddable-script';

const KIND = 'mmBrowserFacing';

/** Marks a route as an HTML page or an embeddable script; the headers follow from it. */
export const BrowserFacing = (kind: BrowserFacing) => RouteConfig({ [KIND]: kind });

const nonces = new WeakMap<ServerResponse, string>();
const nonceOf = (res: ServerResponse) => {
  let nonce = nonces.get(res);
  if (!nonce) nonces.set(res, (nonce = randomBytes(16).toString('base64')));
  return nonce;
};
const nonceSource = (_: IncomingMessage, res: ServerResponse) => `'nonce-${nonceOf(res)}'`;

/** The nonce of this answer's Content-Security-Policy, for its inline `<script>` and `<style>` elements. */
export const cspNonce = (reply: FastifyReply): string => nonceOf(reply.raw);

const NOTHING = ["'none'"];
const csp = (directives: Record<string, Array<string | typeof nonceSource>>): HelmetOptions['contentSecurityPolicy'] => ({
  useDefaults: false,
  directives: { defaultSrc: NOTHING, baseUri: NOTHING, formAction: NOTHING, frameAncestors: NOTHING, objectSrc: NOTHING, ...directives },
});

function policies(publicBaseUrl: string): Record<BrowserFacing | 'api-docs', HelmetOptions> {
  const app = new URL(publicBaseUrl).origin;
  return {
    'html-page': { contentSecurityPolicy: csp({ styleSrc: [nonceSource], imgSrc: ["'self'"] }) },
    'demo-page': {
      contentSecurityPolicy: csp({
        // widget.js copies its script element's nonce onto the style element it adds.
        scriptSrc: ["'self'", app, nonceSource],
        styleSrc: ["'self'", nonceSource],
        connectSrc: ["'self'", app],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
      }),
    },
    dashboard: {
      contentSecurityPolicy: csp({
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", nonceSource],
        connectSrc: ["'self'"],
        imgSrc: ["'self'", 'data:', 'blob:'],
        fontSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
      }),
    },
    'api-docs': {
      contentSecurityPolicy: csp({
        scriptSrc: ["'self'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
      }),
    },
    'embeddable-script': { crossOriginResourcePolicy: { policy: 'cross-origin' } },
  };
}

const isApiDocs = (url: string) => url === '/docs' || url.startsWith('/docs/');

/**
 * The headers helmet writes for a policy without nonces, computed once instead of by helmet's
 * middleware for every answer (5-6 % of the app's CPU in profiles of API requests).
 */
function fixedHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = { setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)), removeHeader: () => undefined };
  let done = false;
  helmet(options)({} as IncomingMessage, res as unknown as ServerResponse, () => void (done = true));
  if (!done) throw new Error('helmet did not finish synchronously');
  return headers;
}

/** A route's own headers (helmet for its policy), built when the route is added. */
const OWN_HEADERS = Symbol('mm.ownSecurityHeaders');
type Headers = (req: IncomingMessage, res: ServerResponse, next: (err?: Error) => void) => void;

/** Registers the headers; call before any route exists (routes pick their policy when added). */
export function registerSecurityHeaders(fastify: FastifyInstance, opts: { publicBaseUrl: string }): void {
  const byKind = policies(opts.publicBaseUrl);
  const global: HelmetOptions = {
    contentSecurityPolicy: csp({}),
    frameguard: { action: 'deny' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    // This host only: which sibling names a deployment has is not this service's to decide.
    strictTransportSecurity: { maxAge: 365 * 24 * 3600, includeSubDomains: false },
  };
  // Routes with a policy of their own (nonces, other sources) go through helmet per request, its
  // middleware built once per route; every other answer (the API, 404s) gets the global policy's
  // headers, built once. Not @fastify/helmet: it built the middleware again on every request, and
  // added an async hook to every request besides (a promise, a closure and a microtask each).
  const apiHeaders = fixedHeaders(global);
  fastify.addHook('onRoute', (route) => {
    const kind = (route.config as Record<string, unknown> | undefined)?.[KIND] as BrowserFacing | undefined;
    const policy = kind ? byKind[kind] : isApiDocs(route.url) ? byKind['api-docs'] : undefined;
    if (policy) route.config = { ...route.config, [OWN_HEADERS]: helmet({ ...global, ...policy } as HelmetOptions) } as typeof route.config;
  });
  fastify.addHook('onRequest', (req, reply, next) => {
    const own = (req.routeOptions.config as { [OWN_HEADERS]?: Headers } | undefined)?.[OWN_HEADERS];
    if (own) return own(req.raw, reply.raw, next);
    reply.headers(apiHeaders);
    next();
  });
  fastify.addHook('onSend', (_req, reply, _payload, done) => {
    if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
    done();
  });
}
