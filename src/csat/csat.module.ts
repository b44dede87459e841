import { Module } from '@nestjs/common';
import { Satisfaction } from '../conversations/conversation-router';
import { ConversationsModule } from '../conversations/conversations.module';
import { CsatLinkController } from './csat-link.controller';
import { CsatLinks } from './csat-links';
import { CsatController } from './csat.controller';
import { CsatService } from './csat.service';
import { CsatStore } from './csat.store';

/** Customer satisfaction surveys: their settings per channel, asking after a resolution, and the ratings that come back. */
@Module({
  imports: [ConversationsModule],
  controllers: [CsatController, CsatLinkController],
  providers: [CsatStore, CsatLinks, CsatService, { provide: Satisfaction, useExisting: CsatService }],
  exports: [CsatService, Satisfaction],
})
export class CsatModule {}
