/**
 * The short CRM summary of a contact, as conversation payloads carry it. PostgreSQL writes it:
 * crm_summary_json(tenant, contact) (migration CrmSummaryFunction) answers its JSON text, or null
 * for a contact linked to no CRM client.
 */
export interface CrmSummary {
  linkedClients: number;
  name: string | null;
  nextAppointmentAt: Date | null;
  openDeals: number;
}

/**
 * The summary's JSON text as a SQL expression over the outer query's `tenant` and `contact`;
 * `linked` false (the conversation's contact_crm_linked) answers null without any lookup.
 */
export const crmSummarySql = (tenant: string, contact: string, linked: string) => `case when ${linked} then crm_summary_json(${tenant}, ${contact}) end`;

/** The summary from its JSON text (crm_summary_json's answer). */
export function crmSummaryOf(json: string | null): CrmSummary | null {
  if (json === null) return null;
  const s = JSON.parse(json) as Omit<CrmSummary, 'nextAppointmentAt'> & { nextAppointmentAt: string | null };
  return {
    linkedClients: s.linkedClients,
    name: s.name,
    nextAppointmentAt: s.nextAppointmentAt === null ? null : new Date(s.nextAppointmentAt),
    openDeals: s.openDeals,
  };
}
