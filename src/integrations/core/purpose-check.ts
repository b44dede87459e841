import { CONSENT_FOR_PURPOSE, type ProcessingPurpose, type PurposeDecision, decide } from '../../../libs/policy/src';
import type { AuditEntry } from '../../audit/audit-log.store';
import type { EventSubject } from './event-subject';

/**
 * The purpose policy for one endpoint and one event (libs/policy decides; this applies it): data
 * without an origin (no End User data) is never limited; otherwise the endpoint's purpose must be
 * allowed for the origin, with the contact's consent where the purpose needs one.
 */
export function checkPurpose(subject: EventSubject, purpose: ProcessingPurpose): PurposeDecision {
  if (!subject.origin) return { allowed: true };
  const consent = CONSENT_FOR_PURPOSE[purpose];
  return decide(subject.origin, purpose, { consent: consent ? subject.consents.has(consent) : undefined });
}

/** How a target names itself in the audit log. */
export interface AuditNames {
  /** e.g. `system:webhooks` */
  actor: string;
  /** e.g. `webhook.deliver` */
  action: string;
  /** What an endpoint is called in subjects, e.g. `webhook_subscription` */
  endpoint: string;
}

/** The audit entry of a delivery withheld by the purpose policy: ids and the decision, no personal data. */
export function withheldEntry(
  names: AuditNames,
  endpointId: string,
  deliveryId: string,
  eventType: string,
  origin: string,
  purpose: string,
  decision: { code: string; reason: string },
): AuditEntry {
  return {
    actor: names.actor,
    action: names.action,
    subject: `${names.endpoint}:${endpointId}/delivery:${deliveryId}`,
    decision: 'deny',
    reason: `${decision.code}: ${decision.reason} (event ${eventType}, origin ${origin}, purpose ${purpose})`,
  };
}
