/**
 * The API's answers as the dashboard reads them. The OpenAPI document does not describe response
 * bodies yet (issue 14 adds them); until then these mirror the response whitelists of the
 * controllers (src/**\/*.controller.ts, conversation.responses.ts). Optional fields are the ones
 * newer API versions add (triage: contact, preview, unread, labels).
 */
export type ChannelKind = 'messenger' | 'instagram' | 'whatsapp' | 'telegram' | 'email' | 'webchat' | 'sms';
export type ConversationStatus = 'open' | 'pending' | 'resolved' | 'snoozed';
export type MessageStatus = 'received' | 'queued' | 'sent' | 'delivered' | 'read' | 'failed';

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export interface Conversation {
  id: string;
  contactId: string;
  channelId: string;
  status: ConversationStatus;
  assigneeId: string | null;
  lastMessageAt: string | null;
  lastInboundAt: string | null;
  createdAt: string;
  updatedAt: string;
  priority?: Priority | null;
  snoozedUntil?: string | null;
  contact?: { id: string; displayName: string | null };
  lastMessage?: { direction: 'inbound' | 'outbound'; text: string | null; at: string } | null;
  unreadCount?: number;
  labels?: LabelRef[];
  /** One conversation's page (GET and PATCH /api/conversations/{id}): its latest satisfaction survey. */
  satisfaction?: Satisfaction | null;
}

export interface Satisfaction {
  askedAt: string;
  rating: number | null;
  answeredAt: string | null;
  answeredVia: 'reply' | 'widget' | 'link' | null;
}

export type Priority = 'low' | 'medium' | 'high' | 'urgent';

export interface LabelRef {
  id: string;
  name: string;
  colour: string | null;
}

export interface Label extends LabelRef {
  createdAt: string;
  updatedAt: string;
}

export interface ConversationCounts {
  byStatus: Record<ConversationStatus, number>;
  all: number;
  mine: number;
  mineUnread: number;
  unassigned: number;
}

export interface CannedResponse {
  id: string;
  shortCode: string;
  text: string;
  createdAt: string;
  updatedAt: string;
}

export interface Attachment {
  type: string;
  url?: string | null;
  mimeType?: string | null;
  name?: string | null;
  /** A file we keep (an upload, or an inbound file's copy): its bytes come from the attachments route. */
  uploadId?: string;
  /** An inbound file's copy into our storage: pending, stored, or failed (with `failure`). */
  state?: 'pending' | 'stored' | 'failed';
  failure?: 'too_large' | 'not_found' | 'unsupported' | 'quota_exceeded' | 'fetch_failed';
}

export interface Message {
  id: string;
  conversationId: string;
  direction: 'inbound' | 'outbound';
  text: string | null;
  attachments: Attachment[] | null;
  status: MessageStatus;
  error: { code: string | null; text: string | null } | null;
  externalId: string | null;
  authorId: string | null;
  replyToExternalId: string | null;
  /** The message this one quotes, when the conversation has it: its id and the start of what it said. */
  replyTo?: { id: string; preview: string } | null;
  deletedAt: string | null;
  editedAt: string | null;
  sentAt: string | null;
  createdAt: string;
  /** E-mail: the subject it came with. */
  subject?: string | null;
  /** An automatic reply (vacation responder and the like): it reopens nothing. */
  autoReply?: boolean;
  context?: { forwarded?: 'once' | 'many'; choice?: { kind: string; id?: string; title?: string; description?: string } } | null;
}

export interface Note {
  id: string;
  conversationId: string;
  authorId: string;
  text: string;
  createdAt: string;
}

export interface Identity {
  id: string;
  channelId: string;
  channelKind: ChannelKind;
  externalId: string;
  blockedAt: string | null;
  createdAt: string;
}

export interface Consent {
  purpose: 'whatsapp_opt_in' | 'whatsapp_marketing' | 'crm_enrichment' | 'data_export';
  granted: boolean;
  source?: string | null;
  recordedBy?: string | null;
  recordedAt?: string | null;
  updatedAt?: string | null;
}

export interface Contact {
  id: string;
  displayName: string | null;
  identities: Identity[];
  consents?: Consent[];
  createdAt: string;
  updatedAt: string;
}

export interface Channel {
  id: string;
  kind: ChannelKind;
  name: string;
  status: 'active' | 'revoked' | 'disconnected';
  config: Record<string, unknown>;
  revokedAt: string | null;
  revokedReason: string | null;
  disconnectedAt: string | null;
  purgeAfter: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface User {
  id: string;
  email: string;
  role: 'owner' | 'admin' | 'agent';
  active: boolean;
  createdAt: string;
}

export interface Tenant {
  id: string;
  name: string;
  region: string;
  createdAt: string;
}

export interface Retention {
  defaultDays: number | null;
  channels: Record<string, number>;
}

export interface WebhookSubscription {
  id: string;
  url: string;
  events: string[];
  purpose: string;
  createdBy: string | null;
  createdAt: string;
  secret?: string;
}

export interface WebhookDelivery {
  id: string;
  eventId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed' | 'withheld' | 'skipped';
  attempts: number;
  responseCode: number | null;
  lastError: string | null;
  createdAt: string;
  lastAttemptAt: string | null;
  completedAt: string | null;
}

export interface AuditEntry {
  id?: string;
  action?: string;
  actorId?: string | null;
  actorKind?: string | null;
  subject?: string | null;
  reason?: string | null;
  createdAt?: string;
  [key: string]: unknown;
}

export interface AccessGrant {
  id: string;
  operatorId?: string;
  operatorEmail?: string;
  reason?: string;
  expiresAt: string;
  createdAt: string;
  revokedAt?: string | null;
  [key: string]: unknown;
}

export interface Notification {
  id: string;
  kind: string;
  userId: string | null;
  channelId: string | null;
  conversationId: string | null;
  actorId: string | null;
  message: string;
  createdAt: string;
  readAt: string | null;
}

export interface Invitation {
  id: string;
  email: string;
  role: 'admin' | 'agent';
  teamIds: string[];
  invitedBy: string | null;
  createdAt: string;
  expiresAt: string;
  /** Only in the answer to the invitation: whether the mail went out. */
  mailSent?: boolean;
}
