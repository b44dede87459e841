import { Directory1764400000001 } from './directory/1764400000001-directory';
import { ChannelRoutes1764500000001 } from './directory/1764500000001-channel-routes';
import { ChannelRoutesByChannel1764600000001 } from './directory/1764600000001-channel-routes-by-channel';
import { ConversationCore1764400000000 } from './region/1764400000000-conversation-core';
import { ChannelsAndPipeline1764500000000 } from './region/1764500000000-channels-and-pipeline';
import { TelegramEditsAndBlocks1764700000000 } from './region/1764700000000-telegram-edits-and-blocks';
import { Email1764720000000 } from './region/1764720000000-email';
import { WebchatSessions1764730000000 } from './region/1764730000000-webchat-sessions';
import { OutgoingWebhooks1764740000000 } from './region/1764740000000-outgoing-webhooks';
import { Retention1764800000000 } from './region/1764800000000-retention';
import { DeletionReceipts1764810000000 } from './region/1764810000000-deletion-receipts';
import { DeletionRequests1764810000001 } from './directory/1764810000001-deletion-requests';
import { AccessGrants1764820000000 } from './region/1764820000000-access-grants';
import { ExportConsent1764830000000 } from './region/1764830000000-export-consent';
import { InboxStore1764900000000 } from './region/1764900000000-inbox-store';
import { QueueFillfactor1764910000000 } from './region/1764910000000-queue-fillfactor';
import { MessagesChannelAgeIndex1764920000000 } from './region/1764920000000-messages-channel-age-index';
import { InboundEventsHotDone1764930000000 } from './region/1764930000000-inbound-events-hot-done';
import { Operators1764820000001 } from './directory/1764820000001-operators';
import { ChannelConnectedAt1765100000000 } from './region/1765100000000-channel-connected-at';
import { DeletionRequestKeys1765100000001 } from './directory/1765100000001-deletion-request-keys';
import { AuthThrottle1765300000001 } from './directory/1765300000001-auth-throttle';
import { DeactivationAndTermination1765310000000 } from './region/1765310000000-deactivation-and-termination';
import { InboxTriage1765900000000 } from './region/1765900000000-inbox-triage';
import { AgentNotifications1765900100000 } from './region/1765900100000-agent-notifications';
import { CannedResponses1765900200000 } from './region/1765900200000-canned-responses';
import { SmsOptOut1765900300000 } from './region/1765900300000-sms-opt-out';
import { TenantTermination1765310000001 } from './directory/1765310000001-tenant-termination';
import { Crm1766200000000 } from './region/1766200000000-crm';
import { CrmErasureAndOauth1766200000002 } from './region/1766200000002-crm-erasure-and-oauth';
import { IntegrationRoutes1766200000001 } from './directory/1766200000001-integration-routes';
import { ChannelRouteAccountGroups1767000000001 } from './directory/1767000000001-channel-route-account-groups';
import { MetaDeletionMatching1768400000000 } from './directory/1768400000000-meta-deletion-matching';
import { DeploymentId1765500000001 } from './directory/1765500000001-deployment-id';
import { ContactsDirectory1765800000000 } from './region/1765800000000-contacts-directory';
import { Search1765810000000 } from './region/1765810000000-search';
import { Accounts1766300000000 } from './region/1766300000000-accounts';
import { WhatsappMarketingConsent1766400000000 } from './region/1766400000000-whatsapp-marketing-consent';
import { MessageContext1766410000000 } from './region/1766410000000-message-context';
import { InboundIgnored1766410100000 } from './region/1766410100000-inbound-ignored';
import { EmailSubjectAndAutoReplies1766420000000 } from './region/1766420000000-email-subject-and-auto-replies';
import { ProfileNames1766420000001 } from './region/1766420000001-profile-names';
import { Teams1766500000000 } from './region/1766500000000-teams';
import { Assignment1766500000001 } from './region/1766500000001-assignment';
import { BusinessHours1766500000002 } from './region/1766500000002-business-hours';
import { Media1766600000000 } from './region/1766600000000-media';
import { Reports1766600000001 } from './region/1766600000001-reports';
import { CustomAttributes1766900000000 } from './region/1766900000000-custom-attributes';
import { Csat1767100000000 } from './region/1767100000000-csat';
import { CsatMessage1767100000001 } from './region/1767100000001-csat-message';
import { BusinessSeconds1767100000002 } from './region/1767100000002-business-seconds';
import { BusinessTimes1767100000003 } from './region/1767100000003-business-times';
import { InboundMediaAndQuotes1767200000000 } from './region/1767200000000-inbound-media-and-quotes';
import { MediaRemovals1767300000000 } from './region/1767300000000-media-removals';
import { EventLog1767390000019 } from './region/1767390000019-event-log';
import { JobLeases1767950000000 } from './region/1767950000000-job-leases';
import { SendSlots1767950000001 } from './region/1767950000001-send-slots';
import { WebchatUploads1767960000000 } from './region/1767960000000-webchat-uploads';
import { InboundMessagesIndex1767970000000 } from './region/1767970000000-inbound-messages-index';
import { InboxStoreMany1768000000000 } from './region/1768000000000-inbox-store-many';
import { MessageCounts1768200000000 } from './region/1768200000000-message-counts';
import { MessageChoices1768200000001 } from './region/1768200000001-message-choices';
import { MetaIdMatches1768400000001 } from './region/1768400000001-meta-id-matches';
import { ConversationSummary1768600000000 } from './region/1768600000000-conversation-summary';
import { SearchPlanChoice1768500000000 } from './region/1768500000000-search-plan-choice';
import { SearchByDay1768700000000 } from './region/1768700000000-search-by-day';
import { SearchDayWordsPlpgsql1768700000001 } from './region/1768700000001-search-day-words-plpgsql';
import { SearchDaySuffixInline1768700000002 } from './region/1768700000002-search-day-suffix-inline';
import { SearchByDayFallback1768700000003 } from './region/1768700000003-search-by-day-fallback';
import { SearchPhrasePairs1769100000000 } from './region/1769100000000-search-phrase-pairs';
import { SearchDaysStaticWindows1769100000001 } from './region/1769100000001-search-days-static-windows';
import { ConversationTimesOnWrite1769200000000 } from './region/1769200000000-conversation-times-on-write';
import { SentPlatformIds1769300000000 } from './region/1769300000000-sent-platform-ids';
import { EventLogTrimBySeq1769300000001 } from './region/1769300000001-event-log-trim-by-seq';
import { ConversationAttributesIndexPartial1769300000002 } from './region/1769300000002-conversation-attributes-index-partial';
import { SearchWithoutJit1769500000000 } from './region/1769500000000-search-without-jit';
import { SearchWalkPrepared1769500000001 } from './region/1769500000001-search-walk-prepared';
import { MessageIdsInInsertOrder1769530000000 } from './region/1769530000000-message-ids-in-insert-order';
import { ConversationLockOrder1769531000000 } from './region/1769531000000-conversation-lock-order';
import { ConversationRowDisplay1769533000000 } from './region/1769533000000-conversation-row-display';
import { CrmSummaryFunction1769540000000 } from './region/1769540000000-crm-summary-function';
import { SearchEstimatesApart1769550000000 } from './region/1769550000000-search-estimates-apart';
import { SearchDaysSizedWindows1769550000001 } from './region/1769550000001-search-days-sized-windows';

/** Applied to every region's database. */
export const REGION_MIGRATIONS = [
  ConversationCore1764400000000,
  ChannelsAndPipeline1764500000000,
  TelegramEditsAndBlocks1764700000000,
  Email1764720000000,
  WebchatSessions1764730000000,
  OutgoingWebhooks1764740000000,
  Retention1764800000000,
  DeletionReceipts1764810000000,
  AccessGrants1764820000000,
  ExportConsent1764830000000,
  InboxStore1764900000000,
  QueueFillfactor1764910000000,
  MessagesChannelAgeIndex1764920000000,
  InboundEventsHotDone1764930000000,
  ChannelConnectedAt1765100000000,
  DeactivationAndTermination1765310000000,
  ContactsDirectory1765800000000,
  Search1765810000000,
  InboxTriage1765900000000,
  AgentNotifications1765900100000,
  CannedResponses1765900200000,
  SmsOptOut1765900300000,
  Crm1766200000000,
  CrmErasureAndOauth1766200000002,
  Accounts1766300000000,
  WhatsappMarketingConsent1766400000000,
  MessageContext1766410000000,
  InboundIgnored1766410100000,
  EmailSubjectAndAutoReplies1766420000000,
  ProfileNames1766420000001,
  Teams1766500000000,
  Assignment1766500000001,
  BusinessHours1766500000002,
  Media1766600000000,
  Reports1766600000001,
  CustomAttributes1766900000000,
  Csat1767100000000,
  CsatMessage1767100000001,
  BusinessSeconds1767100000002,
  BusinessTimes1767100000003,
  InboundMediaAndQuotes1767200000000,
  MediaRemovals1767300000000,
  EventLog1767390000019,
  JobLeases1767950000000,
  SendSlots1767950000001,
  WebchatUploads1767960000000,
  InboundMessagesIndex1767970000000,
  InboxStoreMany1768000000000,
  MessageCounts1768200000000,
  MessageChoices1768200000001,
  MetaIdMatches1768400000001,
  SearchPlanChoice1768500000000,
  ConversationSummary1768600000000,
  SearchByDay1768700000000,
  SearchDayWordsPlpgsql1768700000001,
  SearchDaySuffixInline1768700000002,
  SearchByDayFallback1768700000003,
  SearchPhrasePairs1769100000000,
  SearchDaysStaticWindows1769100000001,
  ConversationTimesOnWrite1769200000000,
  SentPlatformIds1769300000000,
  EventLogTrimBySeq1769300000001,
  ConversationAttributesIndexPartial1769300000002,
  SearchWithoutJit1769500000000,
  SearchWalkPrepared1769500000001,
  MessageIdsInInsertOrder1769530000000,
  ConversationLockOrder1769531000000,
  ConversationRowDisplay1769533000000,
  CrmSummaryFunction1769540000000,
  SearchEstimatesApart1769550000000,
  SearchDaysSizedWindows1769550000001,
];
/** Applied only to the default region's database, which hosts the directory. */
export const DIRECTORY_MIGRATIONS = [
  Directory1764400000001,
  ChannelRoutes1764500000001,
  ChannelRoutesByChannel1764600000001,
  DeletionRequests1764810000001,
  Operators1764820000001,
  DeletionRequestKeys1765100000001,
  AuthThrottle1765300000001,
  TenantTermination1765310000001,
  DeploymentId1765500000001,
  IntegrationRoutes1766200000001,
  ChannelRouteAccountGroups1767000000001,
  MetaDeletionMatching1768400000000,
];
