import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { SEND_LIMIT_NAMES, SendLimit } from '../../libs/policy/src';
import { AppConfig, InvalidConfigError } from '../config/app-config';
import { RegionDatabases } from '../database/region-databases';
import { firstRow, rows } from '../database/sql';

/**
 * Sends are paced below the documented limit: the platform counts arrivals, and two sends
 * reserved a slot apart may reach it a few milliseconds closer than that.
 */
const HEADROOM = 0.9;
/** A slot further ahead than this is not waited for in a sending lane: the job is handed back until then. */
const MAX_WAIT_MS = 3000;
/** A rate-limit answer without Retry-After pauses the channel this long. */
const DEFAULT_PAUSE_MS = 10_000;
/** Slots this far behind are swept (per-chat keys would otherwise pile up). */
const SWEEP_EVERY_MS = 10 * 60_000;

/** Either go now (after the caller waited), or come back no earlier than `retryInMs`. */
export type SendPass = { go: true } | { go: false; retryInMs: number };

/**
 * Per-channel send limits shared by every instance of a region: each limited key (a channel's
 * account, or one of its chats) has a row in queue.send_slots with the earliest time its next
 * send may start. Reserving takes the next slot in one atomic upsert (under the row lock, so N
 * instances together get slots 1/rate apart and never more than the rate); the caller waits
 * until its slot. A platform's rate-limit answer pushes the channel's slot past the pause it
 * asked for, so that channel's sends wait while every other channel keeps sending.
 */
@Injectable()
export class SendLimiter {
  private readonly log = new Logger(SendLimiter.name);
  private readonly rates: ReadonlyMap<string, number>;
  private readonly lastSweep = new Map<string, number>();

  constructor(
    private readonly dbs: RegionDatabases,
    config: AppConfig,
  ) {
    const unknown = Object.keys(config.sendLimits).filter((name) => !SEND_LIMIT_NAMES.includes(name));
    if (unknown.length > 0) throw new InvalidConfigError(`SEND_LIMITS: unknown limit ${unknown.join(', ')} (known: ${SEND_LIMIT_NAMES.join(', ')})`);
    this.rates = new Map(Object.entries(config.sendLimits));
  }

  /** Waits for a slot under every limit of the send (narrowest first), or says when to come back. */
  async pass(region: string, channelId: string, recipientId: string, limits: readonly SendLimit[] | undefined): Promise<SendPass> {
    this.sweepNowAndThen(region);
    for (const limit of [...(limits ?? [])].sort((a, b) => (a.per === b.per ? 0 : a.per === 'recipient' ? -1 : 1))) {
      const interval = 1 / (this.perSecond(limit) * HEADROOM);
      const key = keyOf(limit, channelId, recipientId);
      const slot = await firstRow<{ wait_ms: number }>(
        this.dbs.region(region),
        `insert into queue.send_slots as s (key, next_at) values ($1, clock_timestamp() + make_interval(secs => $2))
         on conflict (key) do update set next_at = greatest(s.next_at, clock_timestamp()) + make_interval(secs => $2)
           where s.next_at <= clock_timestamp() + make_interval(secs => $3)
         returning (extract(epoch from next_at - clock_timestamp()) - $2) * 1000 as wait_ms`,
        [key, interval, MAX_WAIT_MS / 1000],
      );
      if (!slot) {
        const ahead = await firstRow<{ ms: number }>(
          this.dbs.region(region),
          `select extract(epoch from next_at - clock_timestamp()) * 1000 as ms from queue.send_slots where key = $1`,
          [key],
        );
        return { go: false, retryInMs: Math.max(100, Math.ceil(Number(ahead?.ms ?? 0))) };
      }
      const waitMs = Number(slot.wait_ms);
      if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    return { go: true };
  }

  /** The platform refused for rate: the channel's sends wait `pauseMs` (its Retry-After) from now. */
  async pause(region: string, channelId: string, limits: readonly SendLimit[] | undefined, pauseMs: number | undefined): Promise<void> {
    const keys = (limits ?? []).filter((l) => l.per === 'channel').map((l) => keyOf(l, channelId, ''));
    if (keys.length === 0) return;
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
