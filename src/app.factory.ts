import multipart from '@fastify/multipart';
import { Logger, type LoggerService, UnsupportedMediaTypeException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { errorCatalogueMarkdown } from '../libs/domain/src';
import { buildApiDocument } from './api-document';
import { AppModule } from './app.module';
import { Metrics } from './metrics/metrics.service';
import { useBoundedJsonParser } from './common/json-body-parser';
import { requestIdOf, runInRequestContext, tenantOf } from './common/request-context';
import { registerSecurityHeaders } from './common/security-headers';
import { apiValidationPipe } from './common/validation.pipe';
import type { AppConfig } from './config/app-config';
import type { SandboxPlatforms } from './sandbox/sandbox-platforms';
import { fastifyTrustProxy } from './config/trust-proxy';
import type { IncomingHttpHeaders } from 'node:http';

const hasBody = (h: IncomingHttpHeaders) => h['transfer-encoding'] !== undefined || (h['content-length'] !== undefined && h['content-length'] !== '0');

/** Builds the HTTP application; main.ts listens on it, tests inject into it. */
export async function createApp(config: AppConfig, opts: { logger?: LoggerService | false; sandbox?: SandboxPlatforms } = {}): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({ bodyLimit: config.bodyLimitBytes, trustProxy: fastifyTrustProxy(config.trustProxy), genReqId: requestIdOf });
  // Hooks take a callback, not an async function, here and below: Fastify then runs the rest of the
  // request in the same tick instead of a promise and a microtask later, for every request.
  adapter.getInstance().addHook('onRequest', (req, reply, done) => {
    reply.header('x-request-id', req.id);
    done();
  });
  // The API speaks JSON only; anything else is refused with 415 instead of half-parsed.
  adapter.getInstance().removeContentTypeParser('text/plain');
  // Nest adds a form parser (webhooks under /webhooks need it), so /api checks the type itself.
  adapter.getInstance().addHook('preParsing', (req, _reply, _payload, done) => {
    if (!req.url.startsWith('/api/') || !hasBody(req.headers)) return done();
    const mime = String(req.headers['content-type'] ?? '')
      .split(';')[0]
      .trim()
      .toLowerCase();
    if (mime === 'multipart/form-data' && req.method === 'POST' && req.url.split('?')[0] === '/api/uploads') return done(); // files, streamed
    done(mime === 'application/json' ? undefined : new UnsupportedMediaTypeException('The API accepts application/json bodies only'));
  });
  // Every webhook answer is counted, whichever controller gave it (the registry exists once the app does).
  const counted: { metrics?: Metrics } = {};
  const access = config.logFormat === 'json' ? new Logger('Http') : undefined;
  adapter.getInstance().addHook('onResponse', (req, reply, done) => {
    counted.metrics?.observeWebhook(req.url, reply.statusCode);
    // The route's pattern, never the URL: a query string may carry a verify token or a signature.
    if (access)
      runInRequestContext({ requestId: req.id, tenantId: tenantOf(req as { user?: unknown }) }, () =>
        access.log(`${req.method} ${req.routeOptions.url ?? '(no route)'} ${reply.statusCode} ${Math.round(reply.elapsedTime)} ms`),
      );
    done();
  });
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(config, { sandbox: opts.sandbox }), adapter, {
    rawBody: true,
    logger: opts.logger ?? undefined,
    abortOnError: false,
  });
  counted.metrics = app.get(Metrics);
  useBoundedJsonParser(app, config.bodyLimitBytes);
  // Parsed only where a route asks (POST /api/uploads), as a stream: one file, a few small fields.
  // One byte over the largest limit lets the upload see the overflow and answer 413 itself.
  await app.register(multipart as never, {
    throwFileSizeLimit: false,
    limits: { files: 1, fields: 5, parts: 6, fieldSize: 1024, fileSize: config.mediaMaxUploadBytes + 1, headerPairs: 50 },
  });
  registerSecurityHeaders(app.getHttpAdapter().getInstance(), { publicBaseUrl: config.publicBaseUrl });
  app.useGlobalPipes(apiValidationPipe());

  SwaggerModule.setup('docs', app, () => buildApiDocument(app), { jsonDocumentUrl: 'docs-json' });
  const errorsPage = errorCatalogueMarkdown();
  app
    .getHttpAdapter()
    .getInstance()
    .get('/docs/errors', (_req, reply) => reply.type('text/markdown; charset=utf-8').send(errorsPage));

  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return app;
}
