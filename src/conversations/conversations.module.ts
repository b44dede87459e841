import { Module } from '@nestjs/common';
import { ConversationRepository } from '../../libs/domain/src';
import { ChannelsModule } from '../channels/channels.module';
import { ConsentService } from './consent.service';
import { ConversationService } from './conversation.service';
import { ContactsController, ConversationsController } from './conversations.controller';
import { TypeOrmConversationRepository } from './persistence/typeorm-conversation.repository';

@Module({
  imports: [ChannelsModule],
  controllers: [ConversationsController, ContactsController],
  providers: [ConversationService, ConsentService, { provide: ConversationRepository, useClass: TypeOrmConversationRepository }],
  exports: [ConversationService, ConversationRepository],
})
export class ConversationsModule {}
