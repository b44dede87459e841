import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ChannelService } from '../channels/core/channel.service';
import { AppConfig } from '../config/app-config';
import type { Principal } from '../tenancy/principal';
import { SandboxRuntime } from './sandbox-runtime';
import { type ReceivedItem, type SimulatedDelivery, SimulatedCustomers } from './simulated-customers';

export const DEFAULT_CUSTOMER = 'Alex Sandbox';

/** The sandbox's API: a customer writes on a channel; what the simulated platform received from the replies. */
@Injectable()
export class SandboxService implements OnApplicationShutdown {
  private customersOf?: SimulatedCustomers;

  constructor(
    private readonly runtime: SandboxRuntime,
    private readonly config: AppConfig,
    private readonly channels: ChannelService,
  ) {}

  get active(): boolean {
    return this.runtime.platforms !== undefined;
  }

  private get customers(): SimulatedCustomers {
    this.customersOf ??= new SimulatedCustomers(this.config, this.runtime.require());
    return this.customersOf;
  }

  async inbound(
    p: Principal,
    input: { channelId: string; text: string; customer?: string; subject?: string },
  ): Promise<SimulatedDelivery & { channelId: string; kind: string; customer: string; status: 'accepted' }> {
    const customers = this.customers;
    const channel = await this.channels.get(p, input.channelId);
    const customer = input.customer ?? DEFAULT_CUSTOMER;
    const delivered = await customers.write(channel, { text: input.text, customer, subject: input.subject });
    return { channelId: channel.id, kind: channel.kind, customer, ...delivered, status: 'accepted' };
  }

  async outbox(p: Principal, channelId: string): Promise<{ channelId: string; kind: string; items: ReceivedItem[] }> {
    const customers = this.customers;
    const channel = await this.channels.get(p, channelId);
    return { channelId: channel.id, kind: channel.kind, items: await customers.received(channel) };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.runtime.platforms?.stop();
  }
}
