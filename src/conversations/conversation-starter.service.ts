import { Injectable } from '@nestjs/common';
import type { Message, TenantRef } from '../../libs/domain/src';
import { Clock, conflict, invalid, rejected } from '../../libs/domain/src';
import { ChannelAdapters } from '../channels/core/channel-adapters';
import { ChannelService } from '../channels/core/channel.service';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';
import { ConversationService, OutgoingContent } from './conversation.service';
import { OptOuts } from './opt-outs.service';

export interface StartInput {
  contactId: string;
  channelId: string;
  /** The address to reach the contact at on an SMS, e-mail or WhatsApp channel where they have none yet. */
  to?: string;
  /** The message's text (variables filled in) once the conversation is known; undefined for a template. */
  render: (conversationId: string) => Promise<string | undefined>;
  content: Omit<OutgoingContent, 'text'>;
}

/**
 * An agent writes first (POST /api/conversations): checked by the channel's rules before
 * anything is stored. WhatsApp: an approved template to a contact with a recorded opt-in. SMS
 * and e-mail: allowed (SMS not after a STOP). Messenger, Instagram, Telegram and web chat: only
 * to a contact who has written on that channel, within the platform's window (and, on Telegram,
 * who has not blocked the bot). The contact's open conversation on the channel is continued,
 * else a new one starts, assigned to the agent; all or nothing with the queued message.
 */
@Injectable()
export class ConversationStarter {
  constructor(
    private readonly conversations: ConversationService,
    private readonly channels: ChannelService,
    private readonly adapters: ChannelAdapters,
    private readonly optOuts: OptOuts,
    private readonly dbs: RegionDatabases,
    private readonly clock: Clock,
  ) {}

  async start(tenant: TenantRef, agentId: string, input: StartInput): Promise<{ conversationId: string; created: boolean; message: Message }> {
    const contact = await this.conversations.getContact(tenant, input.contactId);
    const channel = await this.channels.get(tenant, input.channelId);
    const kind = channel.kind;
    const capabilities = this.adapters.for(kind).capabilities;
    const identity = contact.identities.find((i) => i.channelId === channel.id) ?? null;
    const t = tenant.tenantId;

    let newAddress: string | null = null;
    if (!identity) {
      if (!capabilities.newAddresses) {
        throw rejected('CONTACT_NOT_ON_CHANNEL', `On ${kind} only a contact who has written to this channel can be written to first`);
      }
      if (input.to === undefined) throw invalid('ADDRESS_REQUIRED', `The contact has no address on this ${kind} channel: send it as \`to\``);
      newAddress = capabilities.newAddresses.address(input.to);
      if (!newAddress) throw invalid('INVALID_ADDRESS', capabilities.newAddresses.hint);
    }

    if (capabilities.startWithoutTemplate && !input.content.template) throw capabilities.startWithoutTemplate();
    // Only a platform that tells us (Telegram) ever records a block.
    if (identity?.blockedAt) throw rejected('CONTACT_BLOCKED', `The contact has blocked this ${kind} account`);
    if (identity && capabilities.optOutKeywords && (await this.optOuts.isOptedOut(tenant, contact.id, channel.id))) {
      throw capabilities.optOutKeywords.refusal();
    }
    // The platform's window runs from the contact's last message on this channel, whichever conversation it was in.
    const lastInbound = await this.dbs.forTenant(tenant, (tx) =>
      firstRow<{ at: Date | null }>(tx, `select max(last_inbound_at) as at from conversations where tenant_id = $1 and contact_id = $2 and channel_id = $3`, [
        t,
        contact.id,
        channel.id,
      ]),
    );
    const lastInboundAt = lastInbound?.at ?? null;
    if (!input.content.template) {
      const mode = capabilities.replyWindow?.(lastInboundAt, this.clock.now());
      if (mode && !mode.allowed) throw rejected(mode.code, mode.reason);
    }

    return this.dbs.unitOfWork(tenant, async (tx) => {
      if (newAddress) {
        const claimed = await rows(
          tx,
          `insert into contact_identities (tenant_id, contact_id, channel_id, channel_kind, external_id) values ($1, $2, $3, $4, $5)
           on conflict (tenant_id, channel_id, external_id) do nothing returning id`,
          [t, contact.id, channel.id, kind, newAddress],
        );
        if (claimed.length === 0) throw conflict('ADDRESS_OF_ANOTHER_CONTACT', 'Another contact has this address on this channel');
      }
      const open = await firstRow<{ id: string }>(
        tx,
        `select id from conversations where tenant_id = $1 and contact_id = $2 and channel_id = $3 and status <> 'resolved' order by last_message_at desc limit 1`,
        [t, contact.id, channel.id],
      );
      const conversationId =
        open?.id ??
        (
          await rows<{ id: string }>(
            tx,
            `insert into conversations (tenant_id, contact_id, channel_id, status, assignee_id, last_message_at, last_inbound_at)
             values ($1, $2, $3, 'open', $4, now(), $5) returning id`,
            [t, contact.id, channel.id, agentId, lastInboundAt],
          )
        )[0].id;
      // The inbox's own rules apply as to any reply: channel state, window, template, opt-in, card numbers.
      const text = await input.render(conversationId);
      const message = await this.conversations.send(tenant, conversationId, agentId, { ...input.content, text });
      return { conversationId, created: !open, message };
    });
  }
}
