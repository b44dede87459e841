import { Injectable } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { ChannelKind, invalid } from '../../../libs/domain/src';
import type { DataOrigin } from '../../../libs/policy/src';
import { ChannelAdapter, ChannelKit, ChannelWebhook } from './channel-adapter';

// The registry hands adapters to code that passes each its own stored payloads.
type AnyAdapter = ChannelAdapter<any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/**
 * The adapters of every channel kind on offer, looked up by kind: each kind's module provides
 * its adapter marked `@ChannelKit()`, and this finds them once the app is built. Nothing here
 * names a kind.
 */
@Injectable()
export class ChannelAdapters {
  private byKind?: Map<ChannelKind, AnyAdapter>;
  private byWebhookPath?: Map<string, { adapter: AnyAdapter; webhook: ChannelWebhook }>;

  constructor(private readonly discovery: DiscoveryService) {}

  for(kind: ChannelKind): AnyAdapter {
    const a = this.registered().get(kind);
    if (!a) throw invalid('CHANNEL_KIND_NOT_AVAILABLE', `Channel kind ${kind} cannot be connected yet`);
    return a;
  }

  /** The adapter of a kind, if one is registered (a stored row may name a kind no longer on offer). */
  find(kind: ChannelKind): AnyAdapter | undefined {
    return this.registered().get(kind);
  }

  /**
   * Where the data of a kind comes from, for the purpose policy. A kind no adapter is registered
   * for (a stored row of a kind no longer on offer) answers its own name, an origin the policy does
   * not know, so that every purpose is denied for it.
   */
  dataOrigin(kind: ChannelKind): DataOrigin {
    return this.find(kind)?.dataOrigin ?? (kind as DataOrigin);
  }

  /** The kind whose webhook answers `/webhooks/<path>/…`, if any. */
  forWebhookPath(path: string): { adapter: AnyAdapter; webhook: ChannelWebhook } | undefined {
    this.registered();
    return this.byWebhookPath!.get(path);
  }

  all(): AnyAdapter[] {
    return [...this.registered().values()];
  }

  private registered(): Map<ChannelKind, AnyAdapter> {
    if (this.byKind) return this.byKind;
    const byKind = new Map<ChannelKind, AnyAdapter>();
    const byPath = new Map<string, { adapter: AnyAdapter; webhook: ChannelWebhook }>();
    for (const wrapper of this.discovery.getProviders({ metadataKey: ChannelKit.KEY })) {
      const adapter = wrapper.instance as AnyAdapter | undefined;
      if (!adapter) continue;
      if (byKind.has(adapter.kind)) throw new Error(`Two adapters are registered for channel kind ${adapter.kind}`);
      byKind.set(adapter.kind, adapter);
      if (adapter.webhook) byPath.set(adapter.webhook.path ?? adapter.kind, { adapter, webhook: adapter.webhook });
    }
    this.byWebhookPath = byPath;
    return (this.byKind = byKind);
  }
}
