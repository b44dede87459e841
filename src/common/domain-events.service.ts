import { Injectable } from '@nestjs/common';
import { Observable, Subject, filter } from 'rxjs';
import { afterCommit } from '../database/unit-of-work';

/** Something the dashboard of one tenant should learn about at once. */
export interface DomainEvent {
  tenantId: string;
  type: 'message.created' | 'message.status' | 'conversation.updated' | 'notification.created' | 'channel.updated';
  data: Record<string, unknown>;
}

/** In-process publication of committed changes; the live stream and webhooks subscribe. */
@Injectable()
export class DomainEvents {
  private readonly subject = new Subject<DomainEvent>();

  /** Inside a unit of work, the event goes out once it commits: nobody hears of uncommitted data. */
  publish(event: DomainEvent): void {
    afterCommit(() => this.subject.next(event));
  }

  forTenant(tenantId: string): Observable<DomainEvent> {
    return this.subject.pipe(filter((e) => e.tenantId === tenantId));
  }

  all(): Observable<DomainEvent> {
    return this.subject.asObservable();
  }
}
