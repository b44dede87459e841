import { Controller, Get, Param, ParseIntPipe, Res } from '@nestjs/common';
import { ApiFoundResponse, ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-contract';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { invalid } from '../../libs/domain/src';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { IdParam } from '../common/id-param';
import { AttachmentContentService } from './attachment-content.service';
import { sendStoredFile } from '../media/media-reply';

@ApiTags('conversations')
@Authenticated()
@Controller('api/conversations')
export class AttachmentsController {
  constructor(private readonly content: AttachmentContentService) {}

  /** The bytes of an attachment: a redirect to the platform CDN, or streamed (files we store, WhatsApp media, e-mail parts). */
  @Get(':id/messages/:messageId/attachments/:index')
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The bytes, with their content type', schema: { type: 'string', format: 'binary' } })
  @ApiFoundResponse({ description: "A redirect to the platform's CDN" })
  @ApiErrors('CONVERSATION_NOT_FOUND', 'MESSAGE_NOT_FOUND', 'ATTACHMENT_NOT_FOUND', 'MEDIA_UNAVAILABLE')
  async get(
    @CurrentPrincipal() p: Principal,
    @IdParam() id: string,
    @IdParam('messageId') messageId: string,
    @Param('index', new ParseIntPipe({ exceptionFactory: () => invalid('INVALID_ID', 'index must be a number') })) index: number,
    @Res() reply: FastifyReply,
  ) {
    const found = await this.content.open(p, id, messageId, index);
    if ('redirect' in found) return reply.redirect(found.redirect, 302);
    if ('stored' in found) {
      const { upload, inline, stream } = found.stored;
      return sendStoredFile(reply, { stream, inline, mimeType: upload.mimeType, size: upload.size, fileName: upload.fileName });
    }
    reply.header('content-type', found.mimeType).header('cache-control', 'private, no-store');
    if (found.length) reply.header('content-length', found.length);
    // Content someone else wrote (an e-mail attachment) is a download, never a page of this origin.
    if (found.fileName)
      reply
        .header(
          'content-disposition',
          `attachment; filename*=UTF-8''${encodeURIComponent(found.fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`,
        )
        .header('x-content-type-options', 'nosniff');
    return reply.send(Readable.fromWeb(found.stream as NodeReadableStream<Uint8Array>));
  }
}
