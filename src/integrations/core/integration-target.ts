import type { EntityManager } from 'typeorm';
import type { ProcessingPurpose } from '../../../libs/policy/src';
import type { JobKind } from '../../queue/job-queue.service';
import type { DeliveryLog, PendingDelivery } from './delivery-log.store';
import type { EventSubject } from './event-subject';
import type { AuditNames } from './purpose-check';

/** Where one target kind keeps its endpoints' sealed secrets (a column of its endpoints' table). */
export interface SealedSecretColumn {
  /** The associated data a secret is sealed with: it opens only in its own row. */
  context(tenantId: string, endpointId: string): Record<string, string>;
  /** Every sealed secret of the tenant, locked for re-encryption. */
  all(tx: EntityManager, tenantId: string): Promise<Array<{ endpointId: string; sealed: string }>>;
  replace(tx: EntityManager, tenantId: string, endpointId: string, sealed: string): Promise<void>;
}

/** Where one target sends events: a webhook subscription today, a CRM connection next. */
export interface IntegrationEndpoint {
  id: string;
  /** What the receiver does with the data: judged against every event's origin before anything leaves. */
  purpose: ProcessingPurpose;
}

/** Everything a target needs to turn a delivery into a request. */
export interface DeliveryToRender<E extends IntegrationEndpoint> {
  tenantId: string;
  delivery: PendingDelivery;
  endpoint: E;
  /** The event's data as it is now (built when sent: an erased message is never sent after all). */
  subject: EventSubject;
  /** When the request is made (signatures carry it). */
  now: Date;
}

/**
 * How an attempt ended for the delivery log and the queue: delivered; worth another attempt
 * (with the receiver's Retry-After, if any); or failed for good (no retry can fix it).
 */
export type DeliveryVerdict =
  | { verdict: 'delivered'; responseCode: number | null }
  | { verdict: 'retry'; responseCode: number | null; error: string; retryAfterMs?: number }
  | { verdict: 'failed'; responseCode: number | null; error: string };

/**
 * The port every kind of integration target implements (one folder under src/integrations per
 * kind). The core does the rest the same way for all of them: the dispatcher turns committed
 * domain events into delivery rows (one per endpoint that wants the event, the purpose policy
 * applied first), and the delivery outbox worker sends them with retries and a delivery log.
 *
 * A target says which endpoints want what; what an event becomes for it (`render`); how it is
 * delivered (`send`, outside any transaction, never throwing); and how failures classify
 * (`classify`).
 */
export abstract class IntegrationTarget<E extends IntegrationEndpoint = IntegrationEndpoint, Request = unknown, Outcome = unknown> {
  /** The target kind, e.g. `webhook`. */
  abstract readonly kind: string;
  /** The queue its deliveries wait in (a kind of queue job of its own). */
  abstract readonly jobKind: JobKind;
  /** Its delivery log table. */
  abstract readonly log: DeliveryLog;
  /** How it appears in the audit log when the purpose policy withholds a delivery. */
  abstract readonly audit: AuditNames;
  /** Where its endpoints keep a sealed secret, if they have one (re-encrypted by `npm run secrets:rotate`). */
  get secrets(): SealedSecretColumn | undefined {
    return undefined;
  }

  /** Every event type some endpoint of the tenant wants (the dispatcher caches the answer for a moment). */
  abstract wantedEventTypes(tx: EntityManager, tenantId: string): Promise<string[]>;
  /** The tenant's endpoints that want `eventType`, in a stable order. */
  abstract endpointsFor(tx: EntityManager, tenantId: string, eventType: string): Promise<IntegrationEndpoint[]>;
  /** One endpoint with what `render` needs of it; null when it is gone. */
  abstract endpoint(tx: EntityManager, tenantId: string, endpointId: string): Promise<E | null>;
  /** What the event becomes for this target. */
  abstract render(d: DeliveryToRender<E>): Request;
  /** Delivers it, outside any transaction. Must not throw: every failure is an outcome. */
  abstract send(request: Request): Promise<Outcome>;
  /** How an outcome counts: delivered, worth a retry, or failed for good. */
  abstract classify(outcome: Outcome): DeliveryVerdict;
}
