import { ApiExtraModels, ApiProperty, ApiPropertyOptional, getSchemaPath } from '@nestjs/swagger';
import { ATTACHMENT_TYPES, type AttachmentType, CONVERSATION_STATUSES, MEDIA_COPY_FAILURES, MEDIA_COPY_STATES, MESSAGE_STATUSES } from '../../libs/domain/src';
import { CustomAttributesResponse } from './attribute-definitions.dto';
import { CONSENT_PURPOSES } from './consent.service';

// Response bodies of messages, notes, plain conversations and consents: the whitelists of what is serialised.

export class AudioDetailResponse {
  @ApiProperty({ description: 'Recorded in the app as a voice note' }) voice: boolean;
}

export class StickerDetailResponse {
  @ApiPropertyOptional() animated?: boolean;
  @ApiPropertyOptional({ example: '👍' }) emoji?: string;
  @ApiPropertyOptional({ description: "The platform's id of the sticker itself (Messenger's like sticker)" }) stickerId?: string;
}

export class LocationDetailResponse {
  @ApiProperty({ example: 52.520008 }) latitude: number;
  @ApiProperty({ example: 13.404954 }) longitude: number;
  @ApiPropertyOptional({ description: "A place's name (a venue's title)" }) name?: string;
  @ApiPropertyOptional() address?: string;
}

export class SharedContactPhoneResponse {
  @ApiProperty({ example: '+49 30 1234567' }) phone: string;
  @ApiPropertyOptional({ example: 'WORK' }) type?: string;
  @ApiPropertyOptional({ description: "The number's WhatsApp id" }) waId?: string;
}

export class SharedContactResponse {
  @ApiProperty({ type: String, nullable: true }) name: string | null;
  @ApiProperty({ type: [SharedContactPhoneResponse] }) phones: SharedContactPhoneResponse[];
  @ApiPropertyOptional({ type: [String] }) emails?: string[];
  @ApiPropertyOptional() organization?: string;
}

export class ContactsDetailResponse {
  @ApiProperty({ type: [SharedContactResponse] }) contacts: SharedContactResponse[];
}

export class OrderItemResponse {
  @ApiProperty({ description: "The catalog's product (retailer) id" }) productId: string;
  @ApiProperty() quantity: number;
  @ApiPropertyOptional({ description: 'Price of one item' }) itemPrice?: number;
  @ApiPropertyOptional({ example: 'EUR' }) currency?: string;
}

export class OrderDetailResponse {
  @ApiPropertyOptional() catalogId?: string;
  @ApiPropertyOptional({ description: 'What the End User wrote with the order' }) note?: string;
  @ApiProperty({ type: [OrderItemResponse] }) items: OrderItemResponse[];
}

export class PollDetailResponse {
  @ApiProperty() question: string;
  @ApiProperty({ type: [String] }) options: string[];
  @ApiPropertyOptional() multipleAnswers?: boolean;
  @ApiPropertyOptional() anonymous?: boolean;
}

export class LinkDetailResponse {
  @ApiPropertyOptional() title?: string;
}

export class ShareDetailResponse {
  @ApiPropertyOptional({ description: "The post's caption or title" }) caption?: string;
  @ApiPropertyOptional({ description: "The platform's id of the shared media" }) mediaId?: string;
}

export class ReferralDetailResponse {
  @ApiProperty({ example: 'ad', description: 'ad, post, ads, shortlink...: as the platform names it, lower case' }) source: string;
  @ApiPropertyOptional() adId?: string;
  @ApiPropertyOptional() postId?: string;
  @ApiPropertyOptional() headline?: string;
  @ApiPropertyOptional() body?: string;
  @ApiPropertyOptional() sourceUrl?: string;
  @ApiPropertyOptional() mediaUrl?: string;
  @ApiPropertyOptional({ description: 'The ref parameter the business put on the ad or link' }) ref?: string;
  @ApiPropertyOptional({ description: "Meta's click id of a click-to-WhatsApp ad (ctwa_clid)" }) clickId?: string;
}

export class SystemDetailResponse {
  @ApiProperty({ example: 'number_changed', description: "identity_changed, number_changed, or the platform's own name" }) event: string;
  @ApiPropertyOptional({ description: "A number change: the End User's new platform id" }) newExternalId?: string;
}

export class PlaceholderErrorResponse {
  @ApiProperty() code: string;
  @ApiProperty() text: string;
}

export class PlaceholderDetailResponse {
  @ApiProperty({ example: 'whatsapp_flow_reply', description: 'What arrived, for code' }) what: string;
  @ApiProperty({ example: 'WhatsApp Flow answer (flow)', description: 'What arrived, for people' }) summary: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'What a later version may render' }) data?: Record<string, unknown>;
  @ApiPropertyOptional({ type: PlaceholderErrorResponse, description: "The platform's own error about this content" }) error?: PlaceholderErrorResponse;
}

const DETAILS = [
  AudioDetailResponse,
  StickerDetailResponse,
  LocationDetailResponse,
  ContactsDetailResponse,
  OrderDetailResponse,
  PollDetailResponse,
  LinkDetailResponse,
  ShareDetailResponse,
  ReferralDetailResponse,
  SystemDetailResponse,
  PlaceholderDetailResponse,
];

@ApiExtraModels(...DETAILS)
export class AttachmentResponse {
  @ApiProperty({
    enum: ATTACHMENT_TYPES,
    description:
      'Media (image, video, audio, file, sticker) carry a file; the other types carry their content in `detail`. `other`: content the inbox cannot show yet, named in `detail`',
  })
  type: AttachmentType;
  @ApiPropertyOptional({ description: 'Where the platform serves it (fetch media through the attachments route); a geo: URI for a location' }) url?: string;
  @ApiPropertyOptional({ example: 'image/jpeg' }) mimeType?: string;
  @ApiPropertyOptional({ example: 'invoice.pdf', description: "A file's name, or a readable label of the content (a place, a contact, a poll's question)" })
  name?: string;
  @ApiPropertyOptional({ description: 'The platform reference kept for lazy download (a WhatsApp media id, say)' }) ref?: string;
  @ApiPropertyOptional() sha256?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'A file stored by us (an upload): its bytes are at GET /api/uploads/{uploadId}/content' })
  uploadId?: string;
  @ApiPropertyOptional({ type: Number, description: 'Bytes, for files we store' }) size?: number;
  @ApiPropertyOptional({
    enum: MEDIA_COPY_STATES,
    description:
      "An inbound file's copy into our storage: pending (being fetched from the platform), stored (download it through the attachments route; uploadId names the copy) or failed (see failure). Absent: nothing to copy",
  })
  state?: string;
  @ApiPropertyOptional({
    enum: MEDIA_COPY_FAILURES,
    description:
      "Why the copy failed: too_large (over the platform's limit), not_found (gone at the platform, e.g. an expired link), unsupported (a file this channel cannot fetch), quota_exceeded (the organization's storage is full), fetch_failed (the platform kept failing or refused)",
  })
  failure?: string;
  @ApiPropertyOptional({
    description:
      'By type: audio AudioDetail, sticker StickerDetail, location LocationDetail, contacts ContactsDetail, order OrderDetail, poll PollDetail, link LinkDetail, share/story_mention/reel ShareDetail, referral ReferralDetail, system SystemDetail, other PlaceholderDetail',
    // anyOf: the details with only optional fields (link, share, sticker) overlap; `type` says which it is.
    anyOf: DETAILS.map((d) => ({ $ref: getSchemaPath(d) })),
  })
  detail?: object;
}

export class MessageChoiceResponse {
  @ApiProperty({ enum: ['button', 'list', 'quick_reply', 'postback', 'callback'] }) kind: string;
  @ApiPropertyOptional({ description: 'The id or payload the business gave the button or row' }) id?: string;
  @ApiPropertyOptional() title?: string;
  @ApiPropertyOptional() description?: string;
}

export class MessageContextResponse {
  @ApiPropertyOptional({ enum: ['once', 'many'], description: 'Forwarded by the End User; many: flagged by the platform as forwarded many times' })
  forwarded?: string;
  @ApiPropertyOptional({ type: MessageChoiceResponse, description: 'The button, list row or quick reply the End User chose' }) choice?: MessageChoiceResponse;
}

export class MessageErrorResponse {
  @ApiProperty({ type: String, nullable: true, description: "The platform's or the sender's code for the failure" }) code: string | null;
  @ApiProperty({ type: String, nullable: true }) text: string | null;
}

export class ReactionResponse {
  @ApiProperty({ enum: ['contact'] }) by: 'contact';
  @ApiProperty({ type: String, nullable: true, example: '👍', description: 'null: the reaction was taken back' }) emoji: string | null;
}

export class MessageVersionResponse {
  @ApiProperty({ type: String, nullable: true }) text: string | null;
  @ApiProperty({ type: [AttachmentResponse] }) attachments: AttachmentResponse[];
  @ApiProperty() at: Date;
}

export class QuotedMessageResponse {
  @ApiProperty({ format: 'uuid', description: 'The quoted message (of the same conversation)' }) id: string;
  @ApiProperty({
    example: 'Where is my order?',
    description: "The start of its text (100 characters at most), else its first file's name or kind; empty when it was deleted",
  })
  preview: string;
}

export class MessageResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) conversationId: string;
  @ApiProperty({ enum: ['inbound', 'outbound'] }) direction: 'inbound' | 'outbound';
  @ApiProperty({ type: String, nullable: true, example: 'Your order ships today.' }) text: string | null;
  @ApiProperty({ type: [AttachmentResponse] }) attachments: AttachmentResponse[];
  @ApiProperty({ type: MessageContextResponse, nullable: true, description: 'What the platform said about the message as a whole; null: nothing' })
  context: MessageContextResponse | null;
  @ApiProperty({ enum: MESSAGE_STATUSES, nullable: true, description: 'Delivery of what we send; null for inbound messages', example: 'queued' })
  status: string | null;
  @ApiProperty({ type: MessageErrorResponse, nullable: true }) error: MessageErrorResponse | null;
  @ApiProperty({ type: String, nullable: true, description: "The platform's id of the message" }) externalId: string | null;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) authorId: string | null;
  @ApiProperty({ type: String, nullable: true, description: "The platform's id of the message this one quotes" }) replyToExternalId: string | null;
  @ApiProperty({
    type: QuotedMessageResponse,
    nullable: true,
    description: "The message this one quotes, when the conversation has it (an agent's quoted reply, or an End User answering a message); null otherwise",
  })
  replyTo: QuotedMessageResponse | null;
  @ApiProperty({ type: [ReactionResponse] }) reactions: ReactionResponse[];
  @ApiProperty({ type: Date, nullable: true, description: 'Deleted by its sender' }) deletedAt: Date | null;
  @ApiProperty({ type: Date, nullable: true }) editedAt: Date | null;
  @ApiProperty({ type: [MessageVersionResponse], description: 'Earlier versions, oldest first' }) edits: MessageVersionResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'E-mail: the subject it came with; null on channels without subjects' }) subject: string | null;
  @ApiProperty({
    description:
      'Inbound: sent by a machine for the contact (a vacation responder, Auto-Submitted): it reopened nothing and needs no answer. ' +
      'Outbound: our own automatic reply (out of office, greeting)',
  })
  autoReply: boolean;
  @ApiProperty() sentAt: Date;
  @ApiProperty() createdAt: Date;
}

export class MessagePageResponse {
  @ApiProperty({ type: [MessageResponse] }) items: MessageResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class NoteResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) conversationId: string;
  @ApiProperty({ format: 'uuid' }) authorId: string;
  @ApiProperty({ example: 'Customer asked for a refund; waiting for finance.' }) text: string;
  @ApiProperty() createdAt: Date;
}

export class NoteListResponse {
  @ApiProperty({ type: [NoteResponse] }) items: NoteResponse[];
}

export class ConversationResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) contactId: string;
  @ApiProperty({ format: 'uuid' }) channelId: string;
  @ApiProperty({ enum: CONVERSATION_STATUSES }) status: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) assigneeId: string | null;
  @ApiProperty() lastMessageAt: Date;
  @ApiProperty({ type: Date, nullable: true }) lastInboundAt: Date | null;
  @CustomAttributesResponse() customAttributes: Record<string, string | number>;
  @ApiProperty() createdAt: Date;
  @ApiProperty() updatedAt: Date;
}

export class ConversationPageResponse {
  @ApiProperty({ type: [ConversationResponse] }) items: ConversationResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor: string | null;
}

export class ConsentResponse {
  @ApiProperty({ enum: CONSENT_PURPOSES }) purpose: string;
  @ApiProperty() granted: boolean;
  @ApiProperty({ example: 'website_form' }) source: string;
  @ApiProperty() recordedAt: Date;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) recordedBy: string | null;
}

export class ConsentListResponse {
  @ApiProperty({ type: [ConsentResponse] }) items: ConsentResponse[];
}
