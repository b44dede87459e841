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
/**
 * An answer used this close to its end is read again in the background, so a conversation that
 * keeps getting events never makes its streams wait (behind the query, every later event of a
 * stream waits too); an answer is still never used past VISIBILITY_TTL_MS.
 */
export const REFRESH_AHEAD_MS = 3_000;

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
  refreshing?: boolean;
}

/** One viewer's answer about one conversation, and until when it may be used. */
export interface Answer {
  visible: boolean;
  until: number;
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
  /** Queries sent and not answered yet, by the same key: a viewer among theirs waits for that answer instead of asking again. */
  private readonly inFlight = new Map<string, { viewers: Set<string>; result: Promise<Map<string, boolean>> }>();

  constructor(private readonly db: RegionDatabases) {}

  /**
   * The remembered answer (after the moving event `after`, when given), or undefined; one near
   * its end is read again meanwhile (see REFRESH_AHEAD_MS).
   */
  cached(tenant: TenantRef, conversationId: string, viewerId: string, now: number, after?: string): Answer | undefined {
    const key = keyOf(tenant, conversationId);
    const a = this.answers.get(key);
    if (!a || a.until <= now || (after !== undefined && a.after !== after)) return undefined;
    const visible = a.byViewer.get(viewerId);
    if (visible === undefined) return undefined;
    if (a.until - now < REFRESH_AHEAD_MS && !a.refreshing) this.refresh(tenant, conversationId, key, a, now);
    return { visible, until: a.until };
  }

  /** Reads the answers of every viewer `a` holds again; they replace `a` unless something replaced it meanwhile (a move). */
  private refresh(tenant: TenantRef, conversationId: string, key: string, a: Answers, now: number): void {
    a.refreshing = true;
    this.read(tenant, conversationId, [...a.byViewer.keys()]).then(
      (got) => {
        if (this.answers.get(key) !== a) return;
        this.answers.delete(key);
        this.answers.set(key, { byViewer: got, until: now + VISIBILITY_TTL_MS, after: a.after });
      },
      () => {
        // the database is away: the answer ends as it would have, and the next use asks
        a.refreshing = false;
      },
    );
  }

  async ask(tenant: TenantRef, conversationId: string, viewerId: string, now: number, after?: string): Promise<boolean> {
    const hit = this.cached(tenant, conversationId, viewerId, now, after);
    if (hit !== undefined) return hit.visible;
    const key = `${keyOf(tenant, conversationId)}:${after ?? ''}`;
    const sent = this.inFlight.get(key);
    if (sent?.viewers.has(viewerId)) return (await sent.result).get(viewerId) === true;
    let pending = this.asking.get(key);
    if (!pending) {
      const viewers = new Set<string>();
      const gathering: { viewers: Set<string>; result: Promise<Map<string, boolean>> } = {
        viewers,
        result: new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          // Whoever asks from now on waits for the next query, unless this one asks for them.
          this.asking.delete(key);
          this.inFlight.set(key, gathering);
          return this.query(tenant, conversationId, [...viewers], now, after).finally(() => {
            if (this.inFlight.get(key) === gathering) this.inFlight.delete(key);
          });
        }),
      };
      pending = gathering;
      this.asking.set(key, pending);
    }
    pending.viewers.add(viewerId);
    return (await pending.result).get(viewerId) === true;
  }

  private async read(tenant: TenantRef, conversationId: string, viewers: string[]): Promise<Map<string, boolean>> {
    const rows = await this.db.statementForTenant<{ viewer: string; visible: boolean }>(
      tenant,
      `select v.id as viewer, ${visibleSql('c', 'v.id')} as visible from conversations c cross join unnest($2::uuid[]) as v(id) where c.id = $1`,
      [conversationId, viewers],
    );
    const got = new Map(viewers.map((v) => [v, false]));
    for (const r of rows) got.set(r.viewer, r.visible === true);
    return got;
  }

  private async query(tenant: TenantRef, conversationId: string, viewers: string[], now: number, after?: string): Promise<Map<string, boolean>> {
    const got = await this.read(tenant, conversationId, viewers);
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
  private readonly known = new Map<string, Answer>();

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
    if (before && before.until - now >= REFRESH_AHEAD_MS) return before.visible;
    // Near its end: the shared answer (read again meanwhile, or already renewed by another stream).
    const shared = this.shared.cached(this.viewer, conversationId, this.viewerId, now);
    if (shared) {
      this.remember(conversationId, shared);
      return shared.visible;
    }
    return before && before.until > now ? before.visible : undefined;
  }

  /**
   * For an event that waits behind others: its answer is asked for now, not once those before it
   * are decided, so a burst of events about conversations new to the stream costs about one round
   * trip instead of one per event. Only the shared answers are read: `allows`, still called in
   * order, decides (an answer after a move goes on counting for the events behind it).
   */
  prefetch(e: StampedEvent): void {
    const conversationId = conversationOf(e);
    if (!conversationId) return;
    const moved = movesConversation(e);
    const now = this.now();
    const before = this.known.get(conversationId);
    if (!moved && before && before.until > now) return;
    this.shared.ask(this.viewer, conversationId, this.viewerId, now, moved ? e.id : undefined).catch(() => undefined);
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
    this.remember(conversationId, { visible, until: now + VISIBILITY_TTL_MS });
    return visible || (moved && before?.visible === true);
  }

  /** Kept until the shared answer it came from ends: never used longer than VISIBILITY_TTL_MS after it was read. */
  private remember(conversationId: string, answer: Answer): void {
    this.known.delete(conversationId);
    if (this.known.size >= MAX_REMEMBERED) this.known.delete(this.known.keys().next().value as string);
    this.known.set(conversationId, answer);
  }
}

/**
 * Sends a restricted agent's events in order (see StreamVisibility). An event whose visibility is
 * already known (most of them) goes at once when nothing waits before it; otherwise it waits,
 * behind the one before, for its answer, which is asked for at once (`prefetch`); a check that
 * fails (database away) drops that event rather than the stream.
 */
export function visibleInOrder(visibility: StreamVisibility, send: (e: StampedEvent) => void): (e: StampedEvent) => void {
  let queue = Promise.resolve();
  let waiting = 0;
  return (e) => {
    if (waiting === 0) {
      const now = visibility.answerNow(e);
      if (now !== undefined) {
        if (now) send(e);
        return;
      }
    }
    visibility.prefetch(e);
    waiting++;
    queue = queue
      .then(() =>
        visibility.allows(e).then(
          (ok) => {
            if (ok) send(e);
          },
          () => undefined,
        ),
      )
      .finally(() => waiting--);
  };
}
