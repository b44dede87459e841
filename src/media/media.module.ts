import { Global, Module } from '@nestjs/common';
import { MediaStore } from '../../libs/domain/src';
import { ChannelsModule } from '../channels/core/channels.module';
import { RegionDatabases } from '../database/region-databases';
import { PostgresMediaStore } from './postgres-media.store';
import { UploadService } from './upload.service';
import { UploadStore } from './upload.store';
import { UploadsController } from './uploads.controller';

/** Files: the media store of each region (PostgreSQL), uploads and their API. */
@Global()
@Module({
  imports: [ChannelsModule],
  controllers: [UploadsController],
  providers: [
    { provide: MediaStore, inject: [RegionDatabases], useFactory: (dbs: RegionDatabases) => new PostgresMediaStore(dbs) },
    UploadStore,
    UploadService,
  ],
  exports: [MediaStore, UploadService, UploadStore],
})
export class MediaModule {}
