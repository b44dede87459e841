import { Module } from '@nestjs/common';
import { MetaModule } from '../meta/meta.module';
import { InstagramAdapter } from './instagram.adapter';

/** Instagram Direct: one professional account per channel, through the shared Meta app. */
@Module({ imports: [MetaModule], providers: [InstagramAdapter] })
export class InstagramModule {}
