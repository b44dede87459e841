import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiOkResponse, ApiParam, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { notFound } from '../../libs/domain/src';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { csvRow } from './csv';
import { ExportService } from './export.service';
import { Purpose, PurposeGuard } from './purpose.guard';

async function* asLines<T extends object>(items: AsyncIterable<T>, format: 'jsonl' | 'csv', columns: (keyof T)[]): AsyncGenerator<string> {
  if (format === 'csv') yield csvRow(columns);
  for await (const item of items) yield format === 'jsonl' ? JSON.stringify(item) + '\n' : csvRow(columns.map((c) => item[c]));
}

/** Exports for the Customer's own systems, streamed as JSON lines or CSV (purpose customer_export). */
@ApiTags('privacy')
@Authenticated({ roles: ['owner', 'admin'], guards: [PurposeGuard] })
@Purpose('customer_export')
@Controller('api/exports')
export class ExportsController {
  constructor(private readonly exports: ExportService) {}

  @Get(':what.:format')
  @ApiParam({ name: 'what', enum: ['contacts', 'conversations'] })
  @ApiParam({ name: 'format', enum: ['jsonl', 'csv'] })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOkResponse({ description: 'The export as a download: one JSON object per line, or CSV with a header row', schema: { type: 'string' } })
  @ApiErrors('PURPOSE_NOT_PERMITTED@403')
  export(@CurrentPrincipal() p: Principal, @Param('what') what: string, @Param('format') format: string, @Res() reply: FastifyReply) {
    if (!['contacts', 'conversations'].includes(what) || !['jsonl', 'csv'].includes(format))
      throw notFound('NOT_FOUND', 'Exports: contacts or conversations, as .jsonl or .csv');
    const fmt = format as 'jsonl' | 'csv';
    const actor = `user:${p.userId}`;
    const lines =
      what === 'contacts'
        ? asLines(this.exports.contacts(p, actor), fmt, ['id', 'displayName', 'customAttributes', 'createdAt', 'identities'])
        : asLines(this.exports.messages(p, actor), fmt, [
            'conversationId',
            'contactId',
            'channelId',
            'messageId',
            'direction',
            'sentAt',
            'text',
            'attachments',
          ]);
    reply
      .header('content-type', fmt === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="${what}.${fmt}"`)
      .header('cache-control', 'no-store');
    return reply.send(Readable.from(lines));
  }
}
