import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { sameBytes } from '../../../libs/crypto/src';
import type { Attachment, Page, PageRequest } from '../../../libs/domain/src';
import { forbidden, notFound } from '../../../libs/domain/src';
import { RegionDatabases } from '../../database/region-databases';
import { firstRow, rows } from '../../database/sql';
import type { WebchatChannel } from './webchat-channels';
import { verifyIdentityHash } from './webchat-identity';
import { clientMessageIdOf } from './webchat.mapper';

export interface WebchatSession {
  id: string;
  channelId: string;
  visitorId: string;
  verified: boolean;
  displayName: string | null;
  lastSeenAt: Date;
}

/** A message as a visitor sees it: a whitelist, so nothing internal (authors, errors, notes) leaks. */
export interface VisitorMessage {
  id: string;
  clientMessageId: string | null;
  from: 'visitor' | 'agent';
  text: string | null;
  /** `stored`: the bytes are ours (a visitor's file, an agent's upload), served to this session only; else `url` is where they are. */
  attachments: Array<Pick<Attachment, 'type' | 'url' | 'name' | 'mimeType' | 'size'> & { stored: boolean }>;
  sentAt: Date;
}

/** A session unused this long is gone; the visitor starts a new one (a verified user keeps their history). */
export const SESSION_IDLE_DAYS = 30;
const TOUCH_EVERY_MS = 3600_000;
const TOKEN = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.([A-Za-z0-9_-]{43})$/;

const sha256 = (s: string) => createHash('sha256').update(s).digest();

interface MessageRow {
  id: string;
  direction: 'inbound' | 'outbound';
  text: string | null;
  attachments: Attachment[];
  external_id: string | null;
  sent_at: Date;
}

const toVisitorMessage = (r: MessageRow): VisitorMessage => ({
  id: r.id,
  clientMessageId: r.direction === 'inbound' ? clientMessageIdOf(r.external_id) : null,
  from: r.direction === 'inbound' ? 'visitor' : 'agent',
  text: r.text,
  attachments: (r.attachments ?? []).map((a) =>
    a.uploadId
      ? { type: a.type, name: a.name, mimeType: a.mimeType, size: a.size, stored: true }
      : { type: a.type, url: a.url, name: a.name, mimeType: a.mimeType, stored: false },
  ),
  sentAt: r.sent_at,
});

// What a visitor may see of their conversations: everything they wrote, and our replies once sent.
const VISITOR_MESSAGES = `
  from contact_identities i
  join conversations c on c.tenant_id = i.tenant_id and c.contact_id = i.contact_id and c.channel_id = i.channel_id
  join messages m on m.tenant_id = c.tenant_id and m.conversation_id = c.id
  where i.tenant_id = $1 and i.channel_id = $2 and i.external_id = $3
    and (m.direction = 'inbound' or m.status in ('sent', 'delivered', 'read'))`;

/**
 * Visitor sessions of web chat channels. The token is `<session id>.<secret>`; only the secret's
 * hash is stored and compared in constant time. Whatever is wrong with a token (unknown, another
 * channel's, expired, forged) answers the same 404, so tokens cannot be probed.
 */
@Injectable()
export class WebchatSessions {
  constructor(private readonly dbs: RegionDatabases) {}

  /**
   * A new session. With `userId` the Customer's site must vouch for it (`userHash`); the session
   * then joins that user's contact and history. Without, the visitor is anonymous and new.
   */
  async start(
    channel: WebchatChannel,
    input: { userId?: string; userHash?: string; name?: string },
    identitySecret: () => Promise<string | null>,
  ): Promise<{ token: string; session: WebchatSession }> {
    let visitorId = `anon:${randomUUID()}`;
    let verified = false;
    if (input.userId !== undefined) {
      const secret = await identitySecret();
      if (!secret || !input.userHash || !verifyIdentityHash(secret, input.userId, input.userHash)) {
        throw forbidden('IDENTITY_VERIFICATION_FAILED', 'userHash is not HMAC-SHA256(identity secret, userId)');
      }
      visitorId = `user:${input.userId}`;
      verified = true;
    }
    const id = randomUUID();
    const secret = randomBytes(32).toString('base64url');
    const row = await this.dbs.forTenant(channel.tenant, (tx) =>
      firstRow<{ last_seen_at: Date }>(
        tx,
        `insert into webchat_sessions (tenant_id, id, channel_id, token_hash, visitor_id, verified, display_name)
         values ($1, $2, $3, $4, $5, $6, $7) returning last_seen_at`,
        [channel.tenant.tenantId, id, channel.channelId, sha256(secret), visitorId, verified, input.name ?? null],
      ),
    );
    return {
      token: `${id}.${secret}`,
      session: { id, channelId: channel.channelId, visitorId, verified, displayName: input.name ?? null, lastSeenAt: row!.last_seen_at },
    };
  }

  async authenticate(channel: WebchatChannel, token: string | undefined): Promise<WebchatSession> {
    const m = token ? TOKEN.exec(token) : null;
    const row = m
      ? await this.dbs.forTenant(channel.tenant, (tx) =>
          firstRow<{ id: string; token_hash: Buffer; visitor_id: string; verified: boolean; display_name: string | null; last_seen_at: Date }>(
            tx,
            `select id, token_hash, visitor_id, verified, display_name, last_seen_at from webchat_sessions
             where tenant_id = $1 and id = $2 and channel_id = $3 and last_seen_at > now() - make_interval(days => $4)`,
            [channel.tenant.tenantId, m[1], channel.channelId, SESSION_IDLE_DAYS],
          ),
        )
      : undefined;
    // Both sides are SHA-256 digests (32 bytes): the comparison leaks nothing about the secret.
    if (!row || !sameBytes(row.token_hash, sha256(m![2]))) throw notFound('SESSION_NOT_FOUND', 'No such chat session; start a new one');
    return {
      id: row.id,
      channelId: channel.channelId,
      visitorId: row.visitor_id,
      verified: row.verified,
      displayName: row.display_name,
      lastSeenAt: row.last_seen_at,
    };
  }

  /** Keeps an active session alive (at most one write an hour). */
  async touch(channel: WebchatChannel, session: WebchatSession): Promise<void> {
    if (Date.now() - session.lastSeenAt.getTime() < TOUCH_EVERY_MS) return;
    await this.dbs.forTenant(channel.tenant, (tx) =>
      tx.query(`update webchat_sessions set last_seen_at = now() where tenant_id = $1 and id = $2`, [channel.tenant.tenantId, session.id]),
    );
  }

  /** The visitor's messages on this channel (every conversation of theirs), newest first. */
  listMessages(channel: WebchatChannel, session: WebchatSession, page: PageRequest): Promise<Page<VisitorMessage>> {
    return this.dbs.forTenant(channel.tenant, async (tx) => {
      const params: unknown[] = [channel.tenant.tenantId, channel.channelId, session.visitorId, page.limit + 1];
      let keyset = '';
      if (page.after) {
        params.push(page.after.at, page.after.id);
        keyset = 'and (m.sent_at, m.id) < ($5, $6)';
      }
      const found = await rows<MessageRow>(
        tx,
        `select m.id, m.direction, m.text, m.attachments, m.external_id, m.sent_at ${VISITOR_MESSAGES} ${keyset}
         order by m.sent_at desc, m.id desc limit $4`,
        params,
      );
      const items = found.slice(0, page.limit).map(toVisitorMessage);
      const last = items[items.length - 1];
      return { items, next: found.length > page.limit ? { at: last.sentAt, id: last.id } : undefined };
    });
  }

  /** One message, if this visitor may see it (used to fill their live stream). */
  visibleMessage(channel: WebchatChannel, session: WebchatSession, messageId: string): Promise<(VisitorMessage & { conversationId: string }) | null> {
    return this.dbs.forTenant(channel.tenant, async (tx) => {
      const row = await firstRow<MessageRow & { conversation_id: string }>(
        tx,
        `select m.id, m.direction, m.text, m.attachments, m.external_id, m.sent_at, m.conversation_id ${VISITOR_MESSAGES} and m.id = $4`,
        [channel.tenant.tenantId, channel.channelId, session.visitorId, messageId],
      );
      return row ? { ...toVisitorMessage(row), conversationId: row.conversation_id } : null;
    });
  }

  /** Attachment `index` of a message this visitor may see, as stored; null otherwise. */
  visibleAttachment(channel: WebchatChannel, session: WebchatSession, messageId: string, index: number): Promise<Attachment | null> {
    return this.dbs.forTenant(channel.tenant, async (tx) => {
      const row = await firstRow<{ attachments: Attachment[] | null }>(tx, `select m.attachments ${VISITOR_MESSAGES} and m.id = $4`, [
        channel.tenant.tenantId,
        channel.channelId,
        session.visitorId,
        messageId,
      ]);
      return row?.attachments?.[index] ?? null;
    });
  }

  /** The visitor's conversations on this channel (their live stream follows these). */
  conversationIds(channel: WebchatChannel, session: WebchatSession): Promise<string[]> {
    return this.dbs.forTenant(channel.tenant, async (tx) =>
      (
        await rows<{ id: string }>(
          tx,
          `select c.id from contact_identities i
           join conversations c on c.tenant_id = i.tenant_id and c.contact_id = i.contact_id and c.channel_id = i.channel_id
           where i.tenant_id = $1 and i.channel_id = $2 and i.external_id = $3`,
          [channel.tenant.tenantId, channel.channelId, session.visitorId],
        )
      ).map((r) => r.id),
    );
  }
}
