import { Module } from '@nestjs/common';
import { MetaModule } from '../meta/meta.module';
import { MessengerAdapter } from './messenger.adapter';

/** Facebook Messenger: one Page per channel, through the shared Meta app. */
@Module({ imports: [MetaModule], providers: [MessengerAdapter] })
export class MessengerModule {}
