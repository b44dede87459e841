import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

/** Title, version and auth of the OpenAPI document (/docs, /docs-json, openapi.json and the dashboard's client). */
export const apiDocumentConfig = () =>
  new DocumentBuilder()
    .setTitle('MonkeyMachine API')
    .setDescription('Omnichannel inbox: conversations, messages, contacts. Errors are {statusCode, code, message}; every code is listed at /docs/errors.')
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();

/** The OpenAPI document of an app: what /docs-json serves and openapi.json holds. */
export function buildApiDocument(app: INestApplication): OpenAPIObject {
  return SwaggerModule.createDocument(app, apiDocumentConfig());
}
