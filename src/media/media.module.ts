import { Global, Module } from '@nestjs/common';
import { MediaStore } from '../../libs/domain/src';
import { ChannelsModule } from '../channels/core/channels.module';
import { RegionDatabases } from '../database/region-databases';
import { PostgresMediaStore } from './postgres-media.store';
import { UploadService } from './upload.service';
import { UploadStore } from './upload.store';
import { UploadsController } from './uploads.controller';
import { SignedMediaController } from './signed-media.controller';
import { SignedMediaUrls } from './signed-media-urls';
import { InboundMediaCopier } from './inbound-media.worker';
import { InboundMediaStore } from './inbound-media.store';

/** Files: the media store of each region (PostgreSQL), uploads and their API, and the copies of inbound media. */
@Global()
@Module({
  imports: [ChannelsModule],
  controllers: [UploadsController, SignedMediaController],
  providers: [
    { provide: MediaStore, inject: [RegionDatabases], useFactory: (dbs: RegionDatabases) => new PostgresMediaStore(dbs) },
    UploadStore,
    UploadService,
    SignedMediaUrls,
    InboundMediaStore,
    InboundMediaCopier,
  ],
  exports: [MediaStore, UploadService, UploadStore, SignedMediaUrls, InboundMediaCopier],
})
export class MediaModule {}
