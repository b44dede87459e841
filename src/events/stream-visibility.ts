import type { TenantRef } from '../../libs/domain/src';
import { visibleSql } from '../conversations/visibility';
import type { RegionDatabases } from '../database/region-databases';
import type { StampedEvent } from './event-replay.service';

/** How long a yes/no about one conversation is trusted before the database is asked again. */
export const VISIBILITY_TTL_MS = 10_000;
const MAX_REMEMBERED = 2_000;

/** The conversation an event is about, if it is about one. */
function conversationOf(e: StampedEvent): string | null {
  const d = e.data as Record<string, unknown>;
  if (e.type === 'conversation.updated') return typeof d.id === 'string' ? d.id : null;
  return typeof d.conversationId === 'string' ? d.conversationId : null;
}

/**
 * What one restricted agent's stream may carry: events about a conversation only when
 * conversation_visible() lets this agent see it, the same rule as every REST query, so a stream
 * never tells an agent about another team's conversation. Answers are remembered for a few
 * seconds per stream (one query per conversation, not per event); a conversation.updated that
 * moves a conversation is asked about again, and is still delivered once to an agent who could
 * see it before, so their screen can drop it.
 */
export class StreamVisibility {
  private readonly known = new Map<string, { visible: boolean; until: number }>();

  constructor(
    private readonly db: RegionDatabases,
    private readonly viewer: TenantRef,
    private readonly viewerId: string,
    private readonly now: () => number = Date.now,
  ) {}

  async allows(e: StampedEvent): Promise<boolean> {
    const conversationId = conversationOf(e);
    if (!conversationId) return true;
    const before = this.known.get(conversationId);
    const fresh = before && before.until > this.now() ? before : undefined;
    const moved = e.type === 'conversation.updated' && ('teamId' in e.data || 'assigneeId' in e.data);
    if (fresh && !moved) return fresh.visible;
    const visible = await this.ask(conversationId);
    this.remember(conversationId, visible);
    return visible || (moved && before?.visible === true);
  }

  private async ask(conversationId: string): Promise<boolean> {
    const rows = await this.db.statementForTenant<{ visible: boolean }>(
      this.viewer,
      `select ${visibleSql('c', '$2')} as visible from conversations c where c.id = $1`,
      [conversationId, this.viewerId],
    );
    return rows[0]?.visible === true;
  }

  private remember(conversationId: string, visible: boolean): void {
    this.known.delete(conversationId);
    if (this.known.size >= MAX_REMEMBERED) this.known.delete(this.known.keys().next().value as string);
    this.known.set(conversationId, { visible, until: this.now() + VISIBILITY_TTL_MS });
  }
}
