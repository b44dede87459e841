import { DocumentBuilder } from '@nestjs/swagger';

/** Title, version and auth of the OpenAPI document (/docs, /docs-json and the dashboard's client). */
export const apiDocumentConfig = () =>
  new DocumentBuilder()
    .setTitle('MonkeyMachine API')
    .setDescription('Omnichannel inbox: conversations, messages, contacts. Errors are {statusCode, code, message}.')
    .setVersion('0.1.0')
    .addBearerAuth()
    .build();
