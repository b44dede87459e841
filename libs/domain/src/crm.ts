/**
 * The CRM side of the domain: what a connected CRM (YCLIENTS/Altegio, amoCRM/Kommo, Bitrix24)
 * knows about the Customer's clients, in one vendor-neutral shape, and the port every vendor's
 * connector implements. Each synced record keeps its connection, the CRM's own id, the CRM's last
 * change time and whether the CRM deleted it (a tombstone: kept, so a late update cannot revive it).
 */

/** The CRM kinds the API knows (a build offers those whose connector module it registers). */
export const CRM_KINDS = ['yclients', 'altegio', 'amocrm', 'kommo', 'bitrix24'] as const;
export type CrmKind = (typeof CRM_KINDS)[number];

export const CRM_ENTITIES = ['client', 'appointment', 'deal', 'service', 'staff'] as const;
export type CrmEntity = (typeof CRM_ENTITIES)[number];

export const APPOINTMENT_STATUSES = ['pending', 'confirmed', 'arrived', 'completed', 'no_show', 'cancelled'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

export const DEAL_STATUSES = ['open', 'won', 'lost'] as const;
export type DealStatus = (typeof DEAL_STATUSES)[number];

/** What every synced record carries. */
export interface CrmRecordBase {
  /** The CRM's id of the record (a string whatever the CRM uses). */
  externalId: string;
  /** When the CRM last changed it (its clock); null when the CRM does not say. */
  remoteUpdatedAt: Date | null;
  /** The CRM deleted it. */
  deleted: boolean;
}

export interface CrmClient extends CrmRecordBase {
  name: string | null;
  /** E.164 (`+79161234567`) or null when the CRM's number cannot be read as one. */
  phone: string | null;
  /** Lower-cased, or null. */
  email: string | null;
}

export interface CrmAppointmentService {
  externalId: string;
  title: string;
  cost: number | null;
}

export interface CrmAppointment extends CrmRecordBase {
  clientExternalId: string | null;
  startsAt: Date;
  durationSeconds: number | null;
  services: CrmAppointmentService[];
  staffExternalId: string | null;
  staffName: string | null;
  amount: number | null;
  status: AppointmentStatus;
}

export interface CrmDeal extends CrmRecordBase {
  clientExternalId: string | null;
  title: string;
  amount: number | null;
  currency: string | null;
  stage: string | null;
  status: DealStatus;
}

export interface CrmService extends CrmRecordBase {
  title: string;
  price: number | null;
}

export interface CrmStaffMember extends CrmRecordBase {
  name: string;
  position: string | null;
  /** Fired or hidden in the CRM. */
  active: boolean;
}

/** A record as a connector hands it over: which entity, and its unified shape. */
export type CrmRecord =
  | { entity: 'client'; record: CrmClient }
  | { entity: 'appointment'; record: CrmAppointment }
  | { entity: 'deal'; record: CrmDeal }
  | { entity: 'service'; record: CrmService }
  | { entity: 'staff'; record: CrmStaffMember };

/**
 * How a connector pages through an entity. `incremental`: changed records after a watermark (the
 * cursor is the newest change time seen, ISO 8601); `full`: every record each time (small lists,
 * or a CRM without an updated-since filter; a full pass also finds the ids that vanished).
 */
export type CrmListMode = 'incremental' | 'full';

export interface CrmCapabilities {
  /** Entities this CRM has, and how each is listed. */
  entities: Partial<Record<CrmEntity, CrmListMode>>;
  /** Records per page the CRM allows at most (what the connector asks for). */
  pageSize: Partial<Record<CrmEntity, number>>;
  /** The documented request rate: `requests` per `perSeconds`, with a burst of `burst`. */
  rate: { requests: number; perSeconds: number; burst: number };
  /** The CRM can create clients (pushes). */
  pushClients: boolean;
  /** The CRM's access token expires and is refreshed (OAuth2). */
  refreshesTokens: boolean;
}

/** Where to continue an entity's listing: `since` (watermark, incremental) and the page to ask for next. */
export interface CrmListRequest {
  entity: CrmEntity;
  /** Incremental listings: changed at or after this instant (the caller already took the overlap off). */
  since: Date | null;
  /** The connector's own page token, from the previous page; null for the first. */
  pageToken: string | null;
}

export interface CrmPage {
  records: CrmRecord[];
  /** The next page's token; null when this was the last page. */
  nextPageToken: string | null;
}

/** "Entity X with id Y changed": what a CRM webhook tells (never trusted for content: read back). */
export interface CrmChangeHint {
  entity: CrmEntity;
  externalId: string;
  /** The webhook says it was deleted (still read back: a 404 then makes the tombstone). */
  deleted?: boolean;
}

export interface CrmClientDraft {
  name: string | null;
  phone: string | null;
  email: string | null;
}

/**
 * The port one CRM connection is reached through (one instance per connection and run: it holds
 * the connection's base URL and credentials). Every call may throw a CrmCallError.
 */
export abstract class CrmConnector {
  abstract readonly capabilities: CrmCapabilities;
  /** One page of an entity's records. */
  abstract list(request: CrmListRequest): Promise<CrmPage>;
  /** One record, read back by id; null when the CRM no longer has it. */
  abstract get(entity: CrmEntity, externalId: string): Promise<CrmRecord | null>;
  /** Clients with this E.164 phone or e-mail address. */
  abstract findClients(by: { phone?: string; email?: string }): Promise<CrmClient[]>;
  /**
   * Creates the client unless the CRM has it already (by phone or e-mail), so a retried push never
   * makes a second one; `idempotencyKey` goes along where the CRM takes one.
   */
  abstract upsertClient(draft: CrmClientDraft, idempotencyKey: string): Promise<CrmClient>;
  /** Reads a CRM webhook body into change hints; [] when it names nothing this side syncs. */
  abstract parseWebhook(body: unknown, contentType: string | undefined): CrmChangeHint[];
}

export type CrmCallFailure =
  /** Too many requests (429, Bitrix QUERY_LIMIT_EXCEEDED, OPERATION_TIME_LIMIT): wait `retryAfterMs`. */
  | 'rate_limited'
  /** The CRM is down or answered 5xx / timed out: try again later. */
  | 'unavailable'
  /** The credentials are no longer accepted (401/403): the Customer must reconnect. */
  | 'unauthorized'
  /** The CRM refused the request itself (4xx): retrying does not help. */
  | 'refused';

/** A failed CRM call, with what it means for the caller. Messages never hold credentials. */
export class CrmCallError extends Error {
  constructor(
    readonly failure: CrmCallFailure,
    message: string,
    readonly status: number | null = null,
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'CrmCallError';
  }

  get retryable(): boolean {
    return this.failure === 'rate_limited' || this.failure === 'unavailable';
  }
}
