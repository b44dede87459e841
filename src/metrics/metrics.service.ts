import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { AppConfig } from '../config/app-config';

/** Webhook routes named by their first segment; anything else (a scanner's guess) is `other`, so labels stay few. */
const WEBHOOK_PLATFORMS = new Set(['meta', 'telegram', 'twilio', 'sms', 'email', 'webchat', 'messenger', 'instagram', 'whatsapp', 'crm']);

export function webhookPlatformOf(url: string): string | null {
  const m = /^\/webhooks\/([^/?]+)/.exec(url);
  if (!m) return null;
  return WEBHOOK_PLATFORMS.has(m[1]) ? m[1] : 'other';
}

/**
 * The process's Prometheus registry (one per app instance, so several instances in one test
 * process do not collide) and the counters the app increments. Labels are platforms, kinds,
 * outcomes and platform error codes: never a tenant, a channel or a person (that would be a
 * privacy leak to whoever scrapes, and unbounded cardinality).
 */
@Injectable()
export class Metrics {
  readonly registry = new Registry();

  readonly webhooks = new Counter({
    name: 'mm_webhooks_total',
    help: 'Platform webhooks answered, by platform and outcome (accepted: 2xx, refused: anything else) and HTTP status',
    labelNames: ['platform', 'outcome', 'status'] as const,
    registers: [this.registry],
  });

  readonly sends = new Counter({
    name: 'mm_sends_total',
    help: 'Outbound send attempts by channel kind, outcome (sent, failed, retry, rate_limited, throttled) and platform code',
    labelNames: ['kind', 'outcome', 'code'] as const,
    registers: [this.registry],
  });

  readonly sendSlotsMissed = new Counter({
    name: 'mm_send_slots_missed_total',
    help: 'Send slots given up because the wait for them ended too late to keep the platform rate (the instance stalled: long GC pauses, CPU starvation), by send limit',
    labelNames: ['limit'] as const,
    registers: [this.registry],
  });

  readonly inboundLag = new Histogram({
    name: 'mm_inbound_lag_seconds',
    help: 'Processing lag of inbound events: from the webhook acknowledged to the event recorded in the inbox, by channel kind',
    labelNames: ['kind'] as const,
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });

  constructor(config: AppConfig) {
    // Only where /metrics is served: the defaults include an event-loop delay histogram that runs
    // for the life of the process and cannot be stopped (prom-client keeps it to itself). Every
    // app a test process started kept its whole module graph reachable through it.
    if (config.metricsToken) collectDefaultMetrics({ register: this.registry, prefix: 'mm_' });
  }

  /** A platform webhook was answered (anything outside /webhooks is not counted). */
  observeWebhook(url: string, status: number): void {
    const platform = webhookPlatformOf(url);
    if (platform) this.webhooks.inc({ platform, outcome: status < 300 ? 'accepted' : 'refused', status: String(status) });
  }

  /** A gauge read when scraped. */
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    collect: (set: (labels: Record<L, string>, value: number) => void) => Promise<void> | void,
  ): void {
    new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        this.reset();
        await collect((labels, value) => this.set(labels as never, value));
      },
    });
  }
}
