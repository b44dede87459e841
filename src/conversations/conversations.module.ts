import { Module } from '@nestjs/common';
import { ConversationRepository } from '../../libs/domain/src';
import { ConversationService } from './conversation.service';
import { ContactsController, ConversationsController } from './conversations.controller';
import { TypeOrmConversationRepository } from './persistence/typeorm-conversation.repository';

@Module({
  controllers: [ConversationsController, ContactsController],
  providers: [ConversationService, { provide: ConversationRepository, useClass: TypeOrmConversationRepository }],
  exports: [ConversationService],
})
export class ConversationsModule {}
