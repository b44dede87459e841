import { Global, Module } from '@nestjs/common';
import { MediaStore } from '../../libs/domain/src';
import { ChannelsModule } from '../channels/core/channels.module';
import { RegionDatabases } from '../database/region-databases';
import { AppConfig } from '../config/app-config';
import { DirectoryMediaStore, RegionalMediaStore } from './directory-media.store';
import { PostgresMediaStore } from './postgres-media.store';
import { UploadIntake } from './upload-intake';
import { UploadService } from './upload.service';
import { UploadStore } from './upload.store';
import { UploadsController } from './uploads.controller';
import { SignedMediaController } from './signed-media.controller';
import { SignedMediaUrls } from './signed-media-urls';
import { InboundMediaCopier } from './inbound-media.worker';
import { InboundMediaStore } from './inbound-media.store';

/** Files: the media store of each region (its database, or MEDIA_DIR_<REGION>), uploads and their API, and the copies of inbound media. */
@Global()
@Module({
  imports: [ChannelsModule],
  controllers: [UploadsController, SignedMediaController],
  providers: [
    {
      provide: MediaStore,
      inject: [RegionDatabases, AppConfig],
      useFactory: (dbs: RegionDatabases, config: AppConfig) =>
        new RegionalMediaStore(
          Object.fromEntries(Object.entries(config.mediaDirs).map(([region, dir]) => [region, new DirectoryMediaStore(dbs, dir)])),
          new PostgresMediaStore(dbs),
        ),
    },
    UploadStore,
    UploadService,
    UploadIntake,
    SignedMediaUrls,
    InboundMediaStore,
    InboundMediaCopier,
  ],
  exports: [MediaStore, UploadService, UploadIntake, UploadStore, SignedMediaUrls, InboundMediaCopier],
})
export class MediaModule {}
