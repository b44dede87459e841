/**
 * The short CRM summary of a contact, as a lateral subquery over its links: one row with the
 * number of linked clients (0 when none), a name, the next appointment and the open deals. The
 * inbox list joins it per row, so it is a probe by key (crm_links leads with tenant and contact)
 * and costs one index lookup for a contact with no CRM link: the appointment and deal lookups run
 * only for a contact with a linked client (a case evaluates its subqueries only when it reaches them).
 *
 * `tenant` and `contact` are SQL expressions of the outer query; `linked`, when given, one that is
 * false for a contact known to have no link (the conversation's contact_crm_linked): the lookup is
 * then skipped (a condition on the outer row only is checked once, before the scan).
 */
export const crmSummaryLateral = (tenant: string, contact: string, linked?: string) => `
  select count(*)::int as clients, min(r.data ->> 'name') as name,
         case when count(*) > 0 then (select min(a.starts_at) from crm_links l2
            join crm_records a on a.tenant_id = l2.tenant_id and a.connection_id = l2.connection_id and a.client_external_id = l2.client_external_id
           where l2.tenant_id = ${tenant} and l2.contact_id = ${contact}
             and a.entity = 'appointment' and not a.deleted and a.starts_at >= now()
             and coalesce(a.data ->> 'status', '') not in ('cancelled', 'no_show', 'completed')) end as next_at,
         case when count(*) > 0 then (select count(*)::int from crm_links l3
            join crm_records d on d.tenant_id = l3.tenant_id and d.connection_id = l3.connection_id and d.client_external_id = l3.client_external_id
           where l3.tenant_id = ${tenant} and l3.contact_id = ${contact}
             and d.entity = 'deal' and not d.deleted and d.data ->> 'status' = 'open') else 0 end as open_deals
  from crm_links l
  join crm_records r on r.tenant_id = l.tenant_id and r.connection_id = l.connection_id and r.entity = 'client' and r.external_id = l.client_external_id and not r.deleted
  where l.tenant_id = ${tenant} and l.contact_id = ${contact}${linked ? ` and ${linked}` : ''}`;

/**
 * The same summary as a SQL expression: the JSON text of what conversation payloads carry under
 * `crm` (CrmSummary, nextAppointmentAt as Date#toISOString writes it), or null for a contact with
 * no linked client. `linked` false skips every lookup (a case reaches its subquery only when true):
 * the inbox list evaluates this per row, and most contacts have no CRM link.
 */
export const crmSummaryJson = (tenant: string, contact: string, linked: string) => `
  case when ${linked} then (select case when s.clients > 0 then json_build_object('linkedClients', s.clients, 'name', s.name,
      'nextAppointmentAt', to_char(s.next_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'openDeals', s.open_deals)::text end
    from (${crmSummaryLateral(tenant, contact)}) s) end`;

export interface CrmSummaryRow {
  crm_clients: number;
  crm_name: string | null;
  crm_next_at: Date | null;
  crm_open_deals: number;
}

/** What conversation payloads carry; null for a contact linked to no CRM client. */
export interface CrmSummary {
  linkedClients: number;
  name: string | null;
  nextAppointmentAt: Date | null;
  openDeals: number;
}

export const crmSummaryOf = (r: CrmSummaryRow): CrmSummary | null =>
  r.crm_clients > 0 ? { linkedClients: r.crm_clients, name: r.crm_name, nextAppointmentAt: r.crm_next_at, openDeals: r.crm_open_deals } : null;
