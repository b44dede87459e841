import { Injectable } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';
import { visibleSql } from '../conversations/visibility';
import { RegionDatabases } from '../database/region-databases';
import type { StampedEvent } from './event-replay.service';

/** How long a yes/no about one conversation is trusted before the database is asked again. */
export const VISIBILITY_TTL_MS = 10_000;
const MAX_REMEMBERED = 2_000;
/** Conversations whose answers the whole instance remembers. */
const MAX_SHARED = 20_000;

/** The conversation an event is about, if it is about one. */
function conversationOf(e: StampedEvent): string | null {
  const d = e.data as Record<string, unknown>;
  if (e.type === 'conversation.updated') return typeof d.id === 'string' ? d.id : null;
  return typeof d.conversationId === 'string' ? d.conversationId : null;
}

/** A conversation.updated that may change who sees the conversation. */
const movesConversation = (e: StampedEvent) => e.type === 'conversation.updated' && ('teamId' in e.data || 'assigneeId' in e.data);

interface Answers {
  byViewer: Map<string, boolean>;
  until: number;
  /** The moving event these answers were read after (a move asks again once, for everyone). */
  after?: string;
}

/**
 * Visibility answers shared by every stream of this instance, set-based: the viewers that ask
 * about one conversation in the same turn get their answers from one query (the conversation
 * against all of them), and the answers are remembered for VISIBILITY_TTL_MS for every stream of
 * those viewers. An event goes to every stream of its tenant at once, so a tenant's hundred
 * restricted streams cost one query per conversation, not one each.
 */
@Injectable()
export class SharedVisibility {
  private readonly answers = new Map<string, Answers>();
  private readonly asking = new Map<string, { viewers: Set<string>; result: Promise<Map<string, boolean>> }>();

  constructor(private readonly db: RegionDatabases) {}

  /** The remembered answer (after the moving event `after`, when given), or undefined. */
  cached(tenant: TenantRef, conversationId: string, viewerId: string, now: number, after?: string): boolean | undefined {
    const a = this.answers.get(keyOf(tenant, conversationId));
    if (!a || a.until <= now || (after !== undefined && a.after !== after)) return undefined;
    return a.byViewer.get(viewerId);
  }

  async ask(tenant: TenantRef, conversationId: string, viewerId: string, now: number, after?: string): Promise<boolean> {
    const hit = this.cached(tenant, conversationId, viewerId, now, after);
    if (hit !== undefined) return hit;
    const key = `${keyOf(tenant, conversationId)}:${after ?? ''}`;
    let pending = this.asking.get(key);
    if (!pending) {
      const viewers = new Set<string>();
      const result = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        // Whoever asks from now on waits for the next query.
        this.asking.delete(key);
        return this.query(tenant, conversationId, [...viewers], now, after);
      });
      pending = { viewers, result };
      this.asking.set(key, pending);
    }
    pending.viewers.add(viewerId);
    return (await pending.result).get(viewerId) === true;
  }

  private async query(tenant: TenantRef, conversationId: string, viewers: string[], now: number, after?: string): Promise<Map<string, boolean>> {
    const rows = await this.db.statementForTenant<{ viewer: string; visible: boolean }>(
      tenant,
      `select v.id as viewer, ${visibleSql('c', 'v.id')} as visible from conversations c cross join unnest($2::uuid[]) as v(id) where c.id = $1`,
      [conversationId, viewers],
    );
    const got = new Map(viewers.map((v) => [v, false]));
    for (const r of rows) got.set(r.viewer, r.visible === true);
    const key = keyOf(tenant, conversationId);
    let a = this.answers.get(key);
    if (!a || a.until <= now || after !== undefined) {
      this.answers.delete(key);
      if (this.answers.size >= MAX_SHARED) this.answers.delete(this.answers.keys().next().value as string);
      a = { byViewer: new Map(), until: now + VISIBILITY_TTL_MS, after };
      this.answers.set(key, a);
    }
    for (const [v, ok] of got) a.byViewer.set(v, ok);
    return got;
  }
}

const keyOf = (t: TenantRef, conversationId: string) => `${t.region}:${t.tenantId}:${conversationId}`;

/**
 * What one restricted agent's stream may carry: events about a conversation only when
 * conversation_visible() lets this agent see it, the same rule as every REST query, so a stream
 * never tells an agent about another team's conversation. Answers come from SharedVisibility and
 * are remembered for a few seconds per stream; a conversation.updated that moves a conversation
 * is asked about again, and is still delivered once to an agent who could see it before, so
 * their screen can drop it.
 */
export class StreamVisibility {
  private readonly known = new Map<string, { visible: boolean; until: number }>();

  constructor(
    private readonly shared: SharedVisibility,
    private readonly viewer: TenantRef,
    private readonly viewerId: string,
    private readonly now: () => number = Date.now,
  ) {}

  /** The answer when it is known without asking the database (most events), else undefined. */
  answerNow(e: StampedEvent): boolean | undefined {
    const conversationId = conversationOf(e);
    if (!conversationId) return true;
    if (movesConversation(e)) return undefined;
    const now = this.now();
    const before = this.known.get(conversationId);
    if (before && before.until > now) return before.visible;
    const shared = this.shared.cached(this.viewer, conversationId, this.viewerId, now);
    if (shared !== undefined) this.remember(conversationId, shared, now);
    return shared;
  }

  async allows(e: StampedEvent): Promise<boolean> {
    const conversationId = conversationOf(e);
    if (!conversationId) return true;
    const now = this.now();
    const before = this.known.get(conversationId);
    const fresh = before && before.until > now ? before : undefined;
    const moved = movesConversation(e);
    if (fresh && !moved) return fresh.visible;
    const visible = await this.shared.ask(this.viewer, conversationId, this.viewerId, now, moved ? e.id : undefined);
    this.remember(conversationId, visible, now);
    return visible || (moved && before?.visible === true);
  }

  private remember(conversationId: string, visible: boolean, now: number): void {
    this.known.delete(conversationId);
    if (this.known.size >= MAX_REMEMBERED) this.known.delete(this.known.keys().next().value as string);
    this.known.set(conversationId, { visible, until: now + VISIBILITY_TTL_MS });
  }
}
