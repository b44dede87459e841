import { Controller, Get, HttpCode, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiProduces, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { invalid } from '../../libs/domain/src';
import { ChannelAdapters } from '../channels/core/channel-adapters';
import { ChannelService } from '../channels/core/channel.service';
import { ApiErrors } from '../common/api-contract';
import { IdParam } from '../common/id-param';
import { Authenticated, CurrentPrincipal } from '../tenancy/auth.guards';
import type { Principal } from '../tenancy/principal';
import { sendStoredFile } from './media-reply';
import { UploadIntake } from './upload-intake';
import { UploadService } from './upload.service';
import type { Upload } from './upload.store';

export class UploadQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: "The channel the file is for: its platform's size limit applies at once" })
  @IsOptional()
  @IsUUID()
  channelId?: string;
}

export class UploadResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'invoice.pdf' }) fileName: string;
  @ApiProperty({ example: 'application/pdf', description: 'Sniffed from the bytes, whatever the client said' }) mimeType: string;
  @ApiProperty({ example: 48213 }) size: number;
  @ApiProperty({ description: 'Hex SHA-256 of the bytes' }) sha256: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true, description: 'The message it was sent with; null until sent' }) messageId: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) createdAt: Date;
}

const uploadResponse = (u: Upload): UploadResponse => ({
  id: u.id,
  fileName: u.fileName,
  mimeType: u.mimeType,
  size: u.size,
  sha256: u.sha256,
  messageId: u.messageId,
  createdAt: u.createdAt,
});

@ApiTags('uploads')
@Authenticated()
@Controller('api/uploads')
export class UploadsController {
  constructor(
    private readonly uploads: UploadService,
    private readonly intake: UploadIntake,
    private readonly channels: ChannelService,
    private readonly adapters: ChannelAdapters,
  ) {}

  /**
   * One file, streamed into the organization's storage in its region (multipart/form-data, part
   * `file`); send it with `POST /api/conversations/{id}/messages {attachments: [{uploadId}]}`.
   * Files never sent are deleted after a day.
   */
  @Post()
  @HttpCode(201)
  @ApiConsumes('multipart/form-data')
  @ApiBody({ schema: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } } })
  @ApiCreatedResponse({ type: UploadResponse })
  @ApiErrors(
    'UPLOAD_FILE_REQUIRED',
    'UPLOAD_EMPTY',
    'UPLOAD_TOO_LARGE',
    'MEDIA_QUOTA_EXCEEDED',
    'CHANNEL_NOT_FOUND@400',
    'ATTACHMENTS_NOT_SUPPORTED',
    'UNSUPPORTED_MEDIA_TYPE',
  )
  async create(@CurrentPrincipal() p: Principal, @Query() q: UploadQueryDto, @Req() req: FastifyRequest): Promise<UploadResponse> {
    const limits = q.channelId ? await this.limitsOf(p, q.channelId) : undefined;
    return uploadResponse(await this.intake.receive(req, (file) => this.uploads.upload(p, { userId: p.userId }, file, limits)));
  }

  @Get(':id')
  @ApiOkResponse({ type: UploadResponse })
  @ApiErrors('UPLOAD_NOT_FOUND@404')
  async get(@CurrentPrincipal() p: Principal, @IdParam() id: string): Promise<UploadResponse> {
    return uploadResponse(await this.uploads.get(p, id));
  }

  /** The bytes: pictures, audio and video inline, everything else (HTML, SVG, PDFs...) only as a download. */
  @Get(':id/content')
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ description: 'The bytes, with their sniffed content type', schema: { type: 'string', format: 'binary' } })
  @ApiErrors('UPLOAD_NOT_FOUND@404', 'ATTACHMENT_NOT_FOUND')
  async content(@CurrentPrincipal() p: Principal, @IdParam() id: string, @Res() reply: FastifyReply) {
    const { upload, inline, stream } = await this.uploads.open(p, id);
    return sendStoredFile(reply, { stream, inline, mimeType: upload.mimeType, size: upload.size, fileName: upload.fileName });
  }

  private async limitsOf(p: Principal, channelId: string) {
    const channel = await this.channels.get(p, channelId).catch(() => {
      throw invalid('CHANNEL_NOT_FOUND', 'channelId is not a channel of this organization');
    });
    const media = this.adapters.for(channel.kind).capabilities.media;
    if (!media) throw invalid('ATTACHMENTS_NOT_SUPPORTED', `Files cannot be sent on ${channel.kind} yet`);
    return media;
  }
}
