import type { EntityManager } from 'typeorm';
import type { TenantRef } from '../../libs/domain/src';

/** Something the dashboard of one tenant should learn about at once. */
export interface DomainEvent {
  tenantId: string;
  type: 'message.created' | 'message.status' | 'conversation.updated' | 'notification.created' | 'channel.updated';
  data: Record<string, unknown>;
}

/** An event as published: its tenant's region says which database's log it goes to. */
export interface PublishedEvent extends DomainEvent {
  region: string;
}

/** A domain event with its place in its tenant's log (the SSE `id:`, `<epoch>-<seq>`). */
export interface LoggedEvent extends DomainEvent {
  id: string;
  seq: number;
  at: string;
}

/** Work that must be recorded with the events, in their transaction (an outbox): it sees them before COMMIT. */
export type EventRecorder = (tx: EntityManager, tenant: TenantRef, events: readonly DomainEvent[]) => Promise<void>;
