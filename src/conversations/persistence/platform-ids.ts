import type { EntityManager } from 'typeorm';
import { firstRow } from '../../database/sql';

/**
 * The messages a platform's id names on a channel, as `(id, conversation_id, sent_at)` rows, at
 * most one: the message stored with that id (inbound messages, echoes, sends recorded before
 * migration SentPlatformIds), else the message whose send or echo claimed it in message_sent_ids.
 * Two probes of unique keys; `channel` and `externalId` are SQL expressions, the tenant is `$1`.
 */
export const byPlatformId = (channel: string, externalId: string): string => `(
  select id, conversation_id, sent_at from messages where tenant_id = $1 and channel_id = ${channel} and external_id = ${externalId}
  union all
  select m.id, m.conversation_id, m.sent_at from message_sent_ids s join messages m on m.tenant_id = s.tenant_id and m.id = s.message_id
  where s.tenant_id = $1 and s.channel_id = ${channel} and s.external_id = ${externalId}
  limit 1)`;

/** The id of the message a platform's id names on a channel (see byPlatformId), or null. */
export async function messageIdByPlatformId(tx: EntityManager, tenantId: string, channelId: string, externalId: string): Promise<string | null> {
  const found = await firstRow<{ id: string }>(tx, `select id from ${byPlatformId('$2', '$3')} m`, [tenantId, channelId, externalId]);
  return found?.id ?? null;
}
