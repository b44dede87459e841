import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { SEND_LIMIT_NAMES, SendLimit } from '../../libs/policy/src';
import { AppConfig, InvalidConfigError } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';
import { Metrics } from '../metrics/metrics.service';

/**
 * Sends are paced below the documented limit: the platform counts arrivals, and two sends
 * reserved a slot apart may reach it a few milliseconds closer than that.
 */
const HEADROOM = 0.9;
/** A slot further ahead than this is not waited for in a sending lane: the job is handed back until then. */
const MAX_WAIT_MS = 3000;
/**
 * How late a send may still start on the slot it waited for. A process that stalls (a long
 * garbage collection, CPU starvation on a busy machine) wakes its waits late; a send that then
 * went anyway would start closer than a slot to the next ones, which may be another instance's,
 * and a send late by more than the headroom (1/HEADROOM - 1 of a second, 111 ms) makes a second
 * in which the platform counts one more than its limit (seen: 175 ms late, and Graph refused the
 * sixth call within 940 ms with 613). Well under the headroom, so that what is left of it covers
 * the round trip of a block's reservation (its start is read when the answer comes back) and the
 * network's jitter.
 */
export const LATE_SLOT_MS = 40;
/** A rate-limit answer without Retry-After pauses the channel this long. */
const DEFAULT_PAUSE_MS = 10_000;
/** Slots this far behind are swept (per-chat keys would otherwise pile up). */
const SWEEP_EVERY_MS = 10 * 60_000;

/** Either go now (after the caller waited), or come back no earlier than `retryInMs`. */
export type SendPass = { go: true } | { go: false; retryInMs: number };

/**
 * At most this much of a key's send time is reserved at once: the slots of a block that this
 * instance does not use in time are lost to every instance, so a block stays short.
 */
const BLOCK_MS = 250;

/** Slots of one key this instance reserved: [next, until), one every `intervalMs`. */
interface Block {
  next: number;
  until: number;
  intervalMs: number;
  /** A reservation in flight for this key: other sends wait for it instead of reserving their own. */
  reserving?: Promise<void>;
}

/**
 * Per-channel send limits shared by every instance of a region: each limited key (a channel's
 * account, or one of its chats) has a row in queue.send_slots with the earliest time its next
 * send may start. An instance reserves a block of consecutive slots in one atomic upsert (under
 * the row lock, so blocks of N instances never overlap and together never exceed the rate), as
 * many as the sends it has queued for that key need (at most BLOCK_MS of them), and hands them
 * out to its sends locally, each at its slot's time or not at all (a slot whose time passed
 * unused is skipped, never spent late, and so is one whose wait ended late: LATE_SLOT_MS): one
 * round trip per block instead of one per send. A
 * platform's rate-limit answer pushes the channel's slot past the pause it asked for and drops
 * this instance's block, so that channel's sends wait while every other channel keeps sending.
 */
@Injectable()
export class SendLimiter {
  private readonly log = new Logger(SendLimiter.name);
  private readonly rates: ReadonlyMap<string, number>;
  private readonly lastSweep = new Map<string, number>();
  private readonly blocks = new Map<string, Block>();

  constructor(
    private readonly dbs: RegionDatabases,
    config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    const unknown = Object.keys(config.sendLimits).filter((name) => !SEND_LIMIT_NAMES.includes(name));
    if (unknown.length > 0) throw new InvalidConfigError(`SEND_LIMITS: unknown limit ${unknown.join(', ')} (known: ${SEND_LIMIT_NAMES.join(', ')})`);
    this.rates = new Map(Object.entries(config.sendLimits));
  }

  /**
   * Waits for a slot under every limit of the send (narrowest first), or says when to come back.
   * `upcoming`: how many sends of this channel the caller has queued, this one included (the size
   * of the block to reserve under the channel's limits).
   */
  async pass(region: string, channelId: string, recipientId: string, limits: readonly SendLimit[] | undefined, upcoming = 1): Promise<SendPass> {
    this.sweepNowAndThen(region);
    for (const limit of [...(limits ?? [])].sort((a, b) => (a.per === b.per ? 0 : a.per === 'recipient' ? -1 : 1))) {
      const key = keyOf(limit, channelId, recipientId);
      for (;;) {
        const waitMs = await this.slot(region, key, this.perSecond(limit) * HEADROOM, limit.per === 'channel' ? upcoming : 1);
        if (waitMs === null) {
          const ahead = await firstRow<{ ms: number }>(
            this.dbs.region(region),
            `select extract(epoch from next_at - clock_timestamp()) * 1000 as ms from queue.send_slots where key = $1`,
            [key],
          );
          return { go: false, retryInMs: Math.max(100, Math.ceil(Number(ahead?.ms ?? 0))) };
        }
        if (waitMs <= 0) break;
        const due = Date.now() + waitMs;
        await new Promise((resolve) => setTimeout(resolve, waitMs));
        // Woken too late (see LATE_SLOT_MS): that slot is lost, as one nobody used; the send takes a later one.
        if (Date.now() - due <= LATE_SLOT_MS) break;
        this.metrics.sendSlotsMissed.inc({ limit: limit.name });
      }
    }
    return { go: true };
  }

  /** The wait until this send's slot of `key` (taken from this instance's block, or a new block), or null: none within MAX_WAIT_MS. */
  private async slot(region: string, key: string, perSecond: number, upcoming: number): Promise<number | null> {
    const blockKey = `${region}:${key}`;
    for (;;) {
      const block = this.blocks.get(blockKey);
      if (block?.reserving) {
        await block.reserving;
        continue;
      }
      const now = Date.now();
      if (block) {
        const at = Math.max(now, block.next);
        // Only a slot that ends within the block: the next block starts no earlier than its end.
        if (at + block.intervalMs <= block.until + 1e-6) {
          block.next = at + block.intervalMs;
          return at - now;
        }
      }
      const intervalMs = 1000 / perSecond;
      const count = Math.max(1, Math.min(Math.floor(upcoming), Math.floor(BLOCK_MS / intervalMs)));
      const pending: Block = { next: 0, until: 0, intervalMs };
      let granted = false;
      pending.reserving = (async () => {
        const reserved = await firstRow<{ wait_ms: number }>(
          this.dbs.region(region),
          `insert into queue.send_slots as s (key, next_at) values ($1, clock_timestamp() + make_interval(secs => $2::float8 * $4::int))
           on conflict (key) do update set next_at = greatest(s.next_at, clock_timestamp()) + make_interval(secs => $2::float8 * $4::int)
             where s.next_at <= clock_timestamp() + make_interval(secs => $3::float8)
           returning (extract(epoch from next_at - clock_timestamp()) - $2::float8 * $4::int) * 1000 as wait_ms`,
          [key, intervalMs / 1000, MAX_WAIT_MS / 1000, count],
        );
        if (!reserved) return;
        const start = Date.now() + Math.max(0, Number(reserved.wait_ms));
        pending.next = start;
        pending.until = start + count * intervalMs;
        granted = true;
      })().finally(() => (pending.reserving = undefined));
      this.blocks.set(blockKey, pending);
      try {
        await pending.reserving;
      } catch (err) {
        if (this.blocks.get(blockKey) === pending) this.blocks.delete(blockKey);
        throw err;
      }
      if (!granted) {
        if (this.blocks.get(blockKey) === pending) this.blocks.delete(blockKey);
        return null;
      }
    }
  }

  /** The platform refused for rate: the channel's sends wait `pauseMs` (its Retry-After) from now. */
  async pause(region: string, channelId: string, limits: readonly SendLimit[] | undefined, pauseMs: number | undefined): Promise<void> {
    const keys = (limits ?? []).filter((l) => l.per === 'channel').map((l) => keyOf(l, channelId, ''));
    if (keys.length === 0) return;
    for (const key of keys) this.blocks.delete(`${region}:${key}`);
    await this.dbs.region(region).query(
      `insert into queue.send_slots as s (key, next_at) select k, clock_timestamp() + make_interval(secs => $2) from unnest($1::text[]) k
       on conflict (key) do update set next_at = greatest(s.next_at, excluded.next_at)`,
      [keys, (pauseMs ?? DEFAULT_PAUSE_MS) / 1000],
    );
  }

  private perSecond(limit: SendLimit): number {
    return this.rates.get(limit.name) ?? limit.perSecond;
  }

  private sweepNowAndThen(region: string): void {
    const now = Date.now();
    if (now - (this.lastSweep.get(region) ?? 0) < SWEEP_EVERY_MS) return;
    this.lastSweep.set(region, now);
    for (const [k, b] of this.blocks) if (!b.reserving && b.until < now) this.blocks.delete(k);
    void rows(this.dbs.region(region), `delete from queue.send_slots where next_at < now() - interval '1 hour'`).catch((err: Error) =>
      this.log.warn(`sweeping old send slots failed: ${err.message}`),
    );
  }
}

/** Ids only: a chat is named by a digest, so the table never holds an End User's platform id. */
function keyOf(limit: SendLimit, channelId: string, recipientId: string): string {
  if (limit.per === 'channel') return `${limit.name}:${channelId}`;
  return `${limit.name}:${channelId}:${createHash('sha256').update(recipientId).digest('base64url').slice(0, 22)}`;
}
