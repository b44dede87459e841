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

/** Files: the media store of each region (PostgreSQL), uploads and their API. */
@Global()
@Module({
  imports: [ChannelsModule],
  controllers: [UploadsController, SignedMediaController],
  providers: [
    { provide: MediaStore, inject: [RegionDatabases], useFactory: (dbs: RegionDatabases) => new PostgresMediaStore(dbs) },
    UploadStore,
    UploadService,
    SignedMediaUrls,
  ],
  exports: [MediaStore, UploadService, UploadStore, SignedMediaUrls],
})
export class MediaModule {}
