import { Injectable } from '@nestjs/common';
import { DeliveryFailure, TenantRef } from '../../../libs/domain/src';
import { RegionDatabases } from '../../database/region-databases';
import { rows } from '../../database/sql';
import { storableText } from '../../database/storable';
import { ChannelRoute, ChannelRoutes } from '../core/channel-routes';
import type { EmailThreadContext, EmailThreadSource } from './email.gateway';
import type { EmailPart } from './email.mapper';
import { channelOfReplyToken, isMessageId, newReplyToken } from './email-threading';

/** A recipient the listener accepts: the channel it is for, and the conversation a reply token names. */
export interface EmailRecipient {
  route: ChannelRoute;
  /** The channel's address (its routing key). */
  routingKey: string;
  conversationId: string | null;
}

/**
 * The e-mail channel's data: resolving recipients (the directory for addresses, the tenant's
 * own database for reply tokens), the headers and parts of accepted mail, and the thread
 * context of a reply. Every tenant query runs in that tenant's region with its RLS context.
 */
@Injectable()
export class EmailStore implements EmailThreadSource {
  constructor(
    private readonly dbs: RegionDatabases,
    private readonly routes: ChannelRoutes,
  ) {}

  /** A channel's inbound address (lower-case): the directory knows it while it is connected. */
  async byAddress(address: string): Promise<EmailRecipient | null> {
    const routingKey = address.toLowerCase();
    const route = (await this.routes.findMany([{ kind: 'email', routingKey }])).get(`email:${routingKey}`);
    return route ? { route, routingKey, conversationId: null } : null;
  }

  /** `reply+<token>`: the token's channel from the directory, then the token in that tenant's database. */
  async byReplyToken(token: string): Promise<EmailRecipient | null> {
    const channelId = channelOfReplyToken(token);
    if (!channelId) return null;
    const route = await this.routes.findByChannel(channelId);
    if (!route || route.kind !== 'email') return null;
    const [hit] = await this.dbs.forTenant(route, (tx) =>
      rows<{ conversation_id: string; routing_key: string | null }>(
        tx,
        `select t.conversation_id, c.routing_key from email_threads t join channels c on c.tenant_id = t.tenant_id and c.id = t.channel_id
         where t.tenant_id = $1 and t.token = $2 and t.channel_id = $3`,
        [route.tenantId, token, channelId],
      ),
    );
    return hit?.routing_key ? { route, routingKey: hit.routing_key, conversationId: hit.conversation_id } : null;
  }

  /** The subject and parts of an accepted mail; storing the same mail again changes nothing. */
  async saveMail(route: ChannelRoute, messageKey: string, subject: string | null, parts: EmailPart[]): Promise<void> {
    await this.dbs.forTenant(route, async (tx) => {
      await tx.query(`insert into email_messages (tenant_id, channel_id, message_key, subject) values ($1, $2, $3, $4) on conflict do nothing`, [
        route.tenantId,
        route.channelId,
        messageKey,
        storableText(subject),
      ]);
      for (const p of parts) {
        await tx.query(
          `insert into email_attachments (tenant_id, channel_id, message_key, idx, name, mime_type, size, sha256, content)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9) on conflict do nothing`,
          [route.tenantId, route.channelId, messageKey, p.idx, storableText(p.name), storableText(p.mimeType), p.content.length, p.sha256, p.content],
        );
      }
    });
  }

  /** For a reply being sent: the conversation's reply token (made on first use), subject and Message-IDs. */
  async forDelivery(channelId: string, messageId: string): Promise<EmailThreadContext> {
    const route = await this.routes.findByChannel(channelId);
    if (!route) throw new DeliveryFailure('permanent', 'CHANNEL_DISCONNECTED', 'The e-mail channel is not connected');
    return this.dbs.forTenant(route, async (tx) => {
      const t = route.tenantId;
      const [message] = await rows<{ conversation_id: string; auto_reply: boolean; quoted: string | null }>(
        tx,
        `select m.conversation_id, m.auto_reply, coalesce(q.external_id, q.sent_external_id, m.reply_to_external_id) as quoted from messages m
         left join messages q on q.tenant_id = m.tenant_id and q.id = m.reply_to_id
         where m.tenant_id = $1 and m.id = $2`,
        [t, messageId],
      );
      if (!message) throw new DeliveryFailure('permanent', 'MESSAGE_NOT_FOUND', 'The message to send no longer exists');
      const conversationId = message.conversation_id;
      await tx.query(
        `insert into email_threads (tenant_id, conversation_id, channel_id, token) values ($1, $2, $3, $4) on conflict (tenant_id, conversation_id) do nothing`,
        [t, conversationId, channelId, newReplyToken(channelId)],
      );
      const [thread] = await rows<{ token: string }>(tx, `select token from email_threads where tenant_id = $1 and conversation_id = $2`, [t, conversationId]);
      // The newest 100 are plenty: References keeps the first and the latest ones.
      const history = await rows<{ external_id: string; direction: string }>(
        tx,
        `select external_id, direction from (
           select coalesce(external_id, sent_external_id) as external_id, direction, sent_at, id from messages
           where tenant_id = $1 and conversation_id = $2 and id <> $3 and coalesce(external_id, sent_external_id) is not null
           order by sent_at desc, id desc limit 100) m
         order by sent_at, id`,
        [t, conversationId, messageId],
      );
      const [first] = await rows<{ external_id: string }>(
        tx,
        `select coalesce(external_id, sent_external_id) as external_id from messages
         where tenant_id = $1 and conversation_id = $2 and coalesce(external_id, sent_external_id) is not null order by sent_at, id limit 1`,
        [t, conversationId],
      );
      const answered = [...history].reverse().find((m) => m.direction === 'inbound' && isMessageId(m.external_id));
      const [subject] = await rows<{ subject: string | null }>(
        tx,
        `select e.subject from messages m join email_messages e on e.tenant_id = m.tenant_id and e.channel_id = m.channel_id and e.message_key = m.external_id
         where m.tenant_id = $1 and m.conversation_id = $2 and m.direction = 'inbound' and e.subject is not null
         order by m.sent_at desc, m.id desc limit 1`,
        [t, conversationId],
      );
      const ids = [first?.external_id, ...history.map((m) => m.external_id)].filter(isMessageId);
      // An agent's quoted reply answers that mail, whichever came last.
      const inReplyTo = isMessageId(message.quoted) ? message.quoted : (answered?.external_id ?? null);
      if (inReplyTo && !ids.includes(inReplyTo)) ids.push(inReplyTo);
      return {
        replyToken: thread.token,
        subject: subject?.subject ?? null,
        inReplyTo,
        threadIds: [...new Set(ids)],
        autoReply: message.auto_reply,
      };
    });
  }

  /** A part whose bytes were copied into the media store. */
  async dropPart(tenant: TenantRef, channelId: string, messageKey: string, idx: number): Promise<void> {
    await this.dbs.forTenant(tenant, (tx) =>
      tx.query(`delete from email_attachments where tenant_id = $1 and channel_id = $2 and message_key = $3 and idx = $4`, [
        tenant.tenantId,
        channelId,
        messageKey,
        idx,
      ]),
    );
  }

  /** The stored bytes of an e-mail attachment, for the attachment content endpoint. */
  async readPart(
    tenant: TenantRef,
    channelId: string,
    messageKey: string,
    idx: number,
  ): Promise<{ content: Buffer; mimeType: string; name: string | null } | null> {
    const [part] = await this.dbs.forTenant(tenant, (tx) =>
      rows<{ content: Buffer; mime_type: string; name: string | null }>(
        tx,
        `select content, mime_type, name from email_attachments where tenant_id = $1 and channel_id = $2 and message_key = $3 and idx = $4`,
        [tenant.tenantId, channelId, messageKey, idx],
      ),
    );
    return part ? { content: part.content, mimeType: part.mime_type, name: part.name } : null;
  }
}
