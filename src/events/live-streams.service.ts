import { Injectable } from '@nestjs/common';
import type { TenantRef } from '../../libs/domain/src';

export interface LiveUser extends TenantRef {
  userId: string;
}

/** Who has a live event stream open on this instance: an agent with a dashboard open is present. */
@Injectable()
export class LiveStreams {
  private readonly open = new Map<string, LiveUser & { streams: number }>();

  opened(user: LiveUser): void {
    const key = `${user.tenantId}:${user.userId}`;
    const seen = this.open.get(key);
    if (seen) seen.streams++;
    else this.open.set(key, { tenantId: user.tenantId, region: user.region, userId: user.userId, streams: 1 });
  }

  closed(user: LiveUser): void {
    const key = `${user.tenantId}:${user.userId}`;
    const seen = this.open.get(key);
    if (seen && --seen.streams <= 0) this.open.delete(key);
  }

  users(): LiveUser[] {
    return [...this.open.values()].map(({ tenantId, region, userId }) => ({ tenantId, region, userId }));
  }
}
