import { Module } from '@nestjs/common';
import { ContactRepository, InboundRecorder, InboxRepository } from '../../libs/domain/src';
import { ChannelsModule } from '../channels/core/channels.module';
import { TeamsModule } from '../teams/teams.module';
import { AssignedWork } from '../tenancy/assigned-work';
import { AttachmentContentService } from './attachment-content.service';
import { AttachmentsController } from './attachments.controller';
import { ConsentService } from './consent.service';
import { ContactDirectoryService } from './contact-directory.service';
import { ContactsController } from './contacts.controller';
import { ConversationService } from './conversation.service';
import { ConversationsController } from './conversations.controller';
import { AgentNotices } from './agent-notices.service';
import { CannedResponsesController } from './canned-responses.controller';
import { CannedResponseService } from './canned-responses.service';
import { LabelsController } from './labels.controller';
import { AttributeDefinitionsController } from './attribute-definitions.controller';
import { AttributeDefinitionService } from './attribute-definitions.service';
import { ConversationStarter } from './conversation-starter.service';
import { ReplyRenderer } from './reply-renderer.service';
import { OptOuts } from './opt-outs.service';
import { SnoozeWakeJob } from './snooze-wake.job';
import { LabelService } from './labels.service';
import { TriageController } from './triage.controller';
import { TriageService } from './triage.service';
import { TriageStore } from './triage.store';
import { ContactDirectoryStore } from './persistence/contact-directory.store';
import { ConversationAssignedWork } from './persistence/assigned-work.store';
import { TypeOrmContactRepository } from './persistence/contact.store';
import { TypeOrmInboundRecorder } from './persistence/inbound-recorder.store';
import { ProfileNames } from './profile-names.service';
import { TypeOrmInboxRepository } from './persistence/inbox.store';
import { MessageOutboxModule } from './persistence/message-outbox.module';

/** The inbox: its service, its REST controllers, and the TypeORM adapters of its ports (one per kind of caller). */
@Module({
  imports: [ChannelsModule, MessageOutboxModule, TeamsModule],
  controllers: [
    ConversationsController,
    TriageController,
    LabelsController,
    AttributeDefinitionsController,
    CannedResponsesController,
    ContactsController,
    AttachmentsController,
  ],
  providers: [
    ConversationService,
    ConsentService,
    TriageService,
    TriageStore,
    LabelService,
    AttributeDefinitionService,
    AgentNotices,
    SnoozeWakeJob,
    CannedResponseService,
    ReplyRenderer,
    ContactDirectoryService,
    ContactDirectoryStore,
    OptOuts,
    ConversationStarter,
    AttachmentContentService,
    ProfileNames,
    { provide: InboundRecorder, useClass: TypeOrmInboundRecorder },
    { provide: InboxRepository, useClass: TypeOrmInboxRepository },
    { provide: ContactRepository, useClass: TypeOrmContactRepository },
    { provide: AssignedWork, useClass: ConversationAssignedWork },
  ],
  exports: [ConversationService, MessageOutboxModule, AssignedWork, ProfileNames],
})
export class ConversationsModule {}
