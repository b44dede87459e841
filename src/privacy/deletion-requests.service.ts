import { Injectable, Logger } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { Clock, TenantRef, notFound } from '../../libs/domain/src';
import { DeletionOrigin, DeletionRequestRow, DeletionRequestStore, MatchingReport } from './deletion-request.store';
import { ErasureCounts, ErasureService, ErasureSubject } from './erasure.service';

export type { DeletionOrigin } from './deletion-request.store';

export interface DeletionStatus {
  code: string;
  origin: DeletionOrigin;
  status: 'pending' | 'completed' | 'failed';
  requestedAt: Date;
  deadlineAt: Date;
  completedAt: Date | null;
  deleted: ErasureCounts;
  outcome: string | null;
  /** A Meta callback's ID matching (null for other origins). */
  matching: MatchingReport | null;
}

/** Answer within 30 days (GDPR art. 12(3)); most requests complete at once. */
export const DEADLINE_DAYS = 30;
const ALPHANUM = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** An unguessable confirmation code, letters and digits only (Meta requires alphanumeric). */
export function confirmationCode(): string {
  return [...randomBytes(16)].map((b) => ALPHANUM[b % ALPHANUM.length]).join('');
}

/**
 * Deletion requests from every origin, executed at once, each leaving a receipt per tenant (in
 * that tenant's region) and a public status with counts only. Meta's callbacks, which need
 * Graph's ID matching first, are MetaDeletionService's.
 */
@Injectable()
export class DeletionRequestsService {
  private readonly log = new Logger(DeletionRequestsService.name);

  constructor(
    private readonly requests: DeletionRequestStore,
    private readonly erasure: ErasureService,
    private readonly clock: Clock,
  ) {}

  /** One contact of one tenant (the Customer's own request, or an End User's through them). */
  async eraseContact(tenant: TenantRef, origin: DeletionOrigin, subject: ErasureSubject): Promise<DeletionStatus> {
    if (!(await this.erasure.holds(tenant, subject))) throw notFound('CONTACT_NOT_FOUND', 'Contact not found');
    const request = await this.open(origin);
    if ('answered' in request) return request.answered; // only a request with a key can be answered already
    const counts = await this.erasure.eraseWithReceipt(tenant, subject, {
      code: request.code,
      scope: 'contactId' in subject ? 'contact' : 'platform-user',
      requestedAt: request.requestedAt,
    });
    return this.close(request.code, 'completed', counts, 'All data about this person was deleted');
  }

  async status(code: string): Promise<DeletionStatus> {
    if (!/^[A-Z0-9]{8,64}$/.test(code)) throw notFound('DELETION_REQUEST_NOT_FOUND', 'No deletion request has this code');
    const row = await this.requests.findByCode(code);
    if (!row) throw notFound('DELETION_REQUEST_NOT_FOUND', 'No deletion request has this code');
    return toStatus(row);
  }

  /** Requests still pending past their deadline (reported by /health). */
  async overdue(): Promise<number> {
    return this.requests.countOverdue(this.clock.now());
  }

  /**
   * A new request, or the one `requestKey` already names: a failed or parked one is taken up again
   * (by one caller only) with what it had erased so far; any other is answered as it stands.
   */
  async open(
    origin: DeletionOrigin,
    requestKey?: string,
  ): Promise<{ code: string; requestedAt: Date; earlier?: ErasureCounts } | { answered: DeletionStatus }> {
    const now = this.clock.now();
    const code = confirmationCode();
    const inserted = await this.requests.insert({
      code,
      origin,
      requestedAt: now,
      deadlineAt: new Date(now.getTime() + DEADLINE_DAYS * 86_400_000),
      requestKey: requestKey ?? null,
    });
    // Only a request with a key can exist already.
    if (inserted || !requestKey) return { code, requestedAt: now };
    const retry = await this.requests.reopenUnfinished(requestKey);
    if (retry) return { code: retry.code, requestedAt: retry.requested_at, earlier: retry.counts };
    const row = await this.requests.findByKey(requestKey);
    this.log.log(`deletion ${row!.code}: the same request again, answered as it stands (${row!.status})`);
    return { answered: toStatus(row!) };
  }

  private async close(code: string, status: 'completed' | 'failed', counts: ErasureCounts, outcome: string): Promise<DeletionStatus> {
    const row = await this.requests.close(code, status, counts, outcome, this.clock.now());
    this.log.log(`deletion ${code}: ${status} ${JSON.stringify(counts)}`);
    return toStatus(row);
  }
}

export function toStatus(r: DeletionRequestRow): DeletionStatus {
  return {
    code: r.code,
    origin: r.origin,
    status: r.status,
    requestedAt: r.requested_at,
    deadlineAt: r.deadline_at,
    completedAt: r.completed_at,
    deleted: r.counts,
    outcome: r.outcome,
    matching: r.matching ?? null,
  };
}
