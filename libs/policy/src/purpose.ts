/**
 * Purpose limitation. Every piece of End User data has an origin (the platform it came through)
 * and every processing path declares a purpose; `decide` says whether that origin may be used for
 * that purpose. The rules are the table below, nothing else: read it to know the policy.
 *
 * Meta's Platform Terms and the WhatsApp Business terms let a business use what their platforms
 * deliver to serve the person it is talking to, and forbid advertising, ad targeting, profiling,
 * eligibility decisions (housing, employment, credit, insurance), surveillance, and selling or
 * transferring the data to data brokers. Whatever the origin, the product itself never lends a
 * hand to surveillance, sale or data brokerage.
 */

/**
 * The origins whose terms this policy has been written for. Each channel kind names its own (its
 * adapter's `dataOrigin`), the CRM sync uses `crm`; a platform whose terms are not one of these
 * needs its row here, which is a policy decision, not a channel's.
 */
export const DATA_ORIGINS = ['meta', 'whatsapp', 'telegram', 'email', 'webchat', 'sms', 'crm'] as const;
export type DataOrigin = (typeof DATA_ORIGINS)[number];

export const PROCESSING_PURPOSES = [
  /** Answering the End User, running the conversation the data came from. */
  'service_delivery',
  /** What a law requires (tax records, a court order, a data subject's access request). */
  'legal_obligation',
  /** Handing the data to the Customer's own systems (export, warehouse, automation tools). */
  'customer_export',
  /** Pushing contacts and conversations into the Customer's CRM. */
  'crm_sync',
  /** The Customer's own reporting on its service (volumes, response times). */
  'analytics_internal',
  'advertising',
  'ad_targeting',
  'profiling',
  /** Deciding on housing, employment, credit or insurance eligibility. */
  'eligibility_decision',
  'surveillance',
  'sale',
  'data_brokerage',
] as const;
export type ProcessingPurpose = (typeof PROCESSING_PURPOSES)[number];

/** The areas `eligibility_decision` covers (for documentation and forms). */
export const ELIGIBILITY_AREAS = ['housing', 'employment', 'credit', 'insurance'] as const;

/** allow: always; consent: only with the End User's recorded consent; deny: never. */
export type PurposeRule = 'allow' | 'consent' | 'deny';

const A: PurposeRule = 'allow';
const C: PurposeRule = 'consent';
const D: PurposeRule = 'deny';

/** Meta and WhatsApp: service delivery and legal obligations; exports and CRM only with consent. */
const PLATFORM_RESTRICTED: Record<ProcessingPurpose, PurposeRule> = {
  service_delivery: A,
  legal_obligation: A,
  customer_export: C,
  crm_sync: C,
  analytics_internal: D,
  advertising: D,
  ad_targeting: D,
  profiling: D,
  eligibility_decision: D,
  surveillance: D,
  sale: D,
  data_brokerage: D,
};

/** Other origins: the Customer decides, within the law, except what the product never does. */
const CUSTOMER_GOVERNED: Record<ProcessingPurpose, PurposeRule> = {
  service_delivery: A,
  legal_obligation: A,
  customer_export: A,
  crm_sync: A,
  analytics_internal: A,
  advertising: A,
  ad_targeting: A,
  profiling: A,
  eligibility_decision: A,
  surveillance: D,
  sale: D,
  data_brokerage: D,
};

/** The policy, origin by purpose. */
export const PURPOSE_RULES: Readonly<Record<DataOrigin, Readonly<Record<ProcessingPurpose, PurposeRule>>>> = {
  meta: PLATFORM_RESTRICTED,
  whatsapp: PLATFORM_RESTRICTED,
  telegram: CUSTOMER_GOVERNED,
  email: CUSTOMER_GOVERNED,
  webchat: CUSTOMER_GOVERNED,
  sms: CUSTOMER_GOVERNED,
  crm: CUSTOMER_GOVERNED,
};

export interface PurposeContext {
  /** The End User recorded consent to this use (e.g. the CRM consent of the contact). */
  consent?: boolean;
}

/**
 * The recorded End User consent that opens a `consent` rule, by purpose (the `purpose` of a
 * contact_consents row): exports to the Customer's own systems, and CRM pushes.
 */
export const CONSENT_FOR_PURPOSE: Readonly<Partial<Record<ProcessingPurpose, 'data_export' | 'crm_enrichment'>>> = {
  customer_export: 'data_export',
  crm_sync: 'crm_enrichment',
};

export type PurposeDenialCode = 'PURPOSE_NOT_PERMITTED' | 'CONSENT_REQUIRED';
export type PurposeDecision = { allowed: true } | { allowed: false; code: PurposeDenialCode; reason: string };

const ORIGIN_NAMES: Record<DataOrigin, string> = {
  meta: 'Meta (Messenger, Instagram)',
  whatsapp: 'WhatsApp',
  telegram: 'Telegram',
  email: 'e-mail',
  webchat: 'web chat',
  sms: 'SMS',
  crm: 'CRM',
};

export function decide(origin: DataOrigin, purpose: ProcessingPurpose, ctx: PurposeContext = {}): PurposeDecision {
  const rule = PURPOSE_RULES[origin]?.[purpose];
  if (rule === 'allow') return { allowed: true };
  if (rule === 'consent') {
    if (ctx.consent === true) return { allowed: true };
    return {
      allowed: false,
      code: 'CONSENT_REQUIRED',
      reason: `Data from ${ORIGIN_NAMES[origin]} may be used for ${purpose} only with the End User's recorded consent`,
    };
  }
  // Unknown origins or purposes (a typo, a value from an old row) fall here too: deny by default.
  return { allowed: false, code: 'PURPOSE_NOT_PERMITTED', reason: `Data from ${ORIGIN_NAMES[origin] ?? origin} may never be used for ${purpose}` };
}

/** A purpose no origin allows: nothing could ever be processed for it. */
export function purposeNeverAllowed(purpose: ProcessingPurpose): boolean {
  return DATA_ORIGINS.every((origin) => PURPOSE_RULES[origin][purpose] === 'deny');
}

export function isProcessingPurpose(value: unknown): value is ProcessingPurpose {
  return typeof value === 'string' && (PROCESSING_PURPOSES as readonly string[]).includes(value);
}
