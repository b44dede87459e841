import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { notFound } from '../../libs/domain/src';
import { ApiErrors } from '../common/api-contract';
import { RegionDatabases } from '../database/region-databases';
import { sendStoredFile } from './media-reply';
import { SignedMediaUrls } from './signed-media-urls';
import { UploadService } from './upload.service';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A stored file, for a platform that fetches it by URL (Twilio MMS, Instagram): no sign-in, only a
 * link we signed and that has not expired. Anything else, a wrong or expired link included,
 * answers 404 as for a file that does not exist.
 */
@ApiTags('media')
@Controller('media')
export class SignedMediaController {
  constructor(
    private readonly urls: SignedMediaUrls,
    private readonly uploads: UploadService,
    private readonly dbs: RegionDatabases,
  ) {}

  @Get(':region/:tenantId/:uploadId')
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The bytes, with their sniffed content type', schema: { type: 'string', format: 'binary' } })
  @ApiErrors('UPLOAD_NOT_FOUND@404', 'ATTACHMENT_NOT_FOUND')
  async get(
    @Param('region') region: string,
    @Param('tenantId') tenantId: string,
    @Param('uploadId') uploadId: string,
    @Query('expires') expires: string | undefined,
    @Query('signature') signature: string | undefined,
    @Res() reply: FastifyReply,
  ) {
    const ok =
      UUID.test(tenantId) &&
      UUID.test(uploadId) &&
      this.dbs.hasRegion(region) &&
      this.urls.valid(region, tenantId, uploadId, String(expires ?? ''), String(signature ?? ''));
    if (!ok) throw notFound('UPLOAD_NOT_FOUND', 'No such file, or the link expired');
    const { upload, inline, stream } = await this.uploads.open({ tenantId, region }, uploadId);
    return sendStoredFile(reply, { stream, inline, mimeType: upload.mimeType, size: upload.size, fileName: upload.fileName });
  }
}
