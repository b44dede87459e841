import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A contact's short CRM summary as one function, crm_summary_json(tenant, contact): the JSON text
 * conversation payloads carry under `crm` ({linkedClients, name, nextAppointmentAt, openDeals}),
 * or null for a contact linked to no CRM client.
 *
 * The inbox list asks for it per row only where the conversation's contact has a CRM link
 * (contact_crm_linked, kept by ConversationRowDisplay's triggers). Written inline as subqueries,
 * the summary's six scans were part of the list's plan, and PostgreSQL sets up every node of a
 * plan on each execution whether it runs or not: a fifth of the list statement's CPU for pages
 * with no linked contact at all. Behind a call, the list's plan holds one function call; PL/pgSQL
 * (not SQL, which is planned again in every statement that calls it, or inlined) keeps the
 * summary's plan for the connection's life. It runs as the caller: row-level security applies.
 */
export class CrmSummaryFunction1769540000000 implements MigrationInterface {
  name = 'CrmSummaryFunction1769540000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      create function crm_summary_json(p_tenant uuid, p_contact uuid) returns text language plpgsql stable as $$
      declare
        summary text;
      begin
        select case when s.clients > 0 then json_build_object(
                 'linkedClients', s.clients, 'name', s.name,
                 'nextAppointmentAt', to_char(s.next_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                 'openDeals', s.open_deals)::text end
          into summary
          from (
            select count(*)::int as clients, min(r.data ->> 'name') as name,
                   case when count(*) > 0 then (
                     select min(a.starts_at) from crm_links l2
                       join crm_records a on a.tenant_id = l2.tenant_id and a.connection_id = l2.connection_id and a.client_external_id = l2.client_external_id
                      where l2.tenant_id = p_tenant and l2.contact_id = p_contact
                        and a.entity = 'appointment' and not a.deleted and a.starts_at >= now()
                        and coalesce(a.data ->> 'status', '') not in ('cancelled', 'no_show', 'completed')) end as next_at,
                   case when count(*) > 0 then (
                     select count(*)::int from crm_links l3
                       join crm_records d on d.tenant_id = l3.tenant_id and d.connection_id = l3.connection_id and d.client_external_id = l3.client_external_id
                      where l3.tenant_id = p_tenant and l3.contact_id = p_contact
                        and d.entity = 'deal' and not d.deleted and d.data ->> 'status' = 'open') else 0 end as open_deals
              from crm_links l
              join crm_records r on r.tenant_id = l.tenant_id and r.connection_id = l.connection_id and r.entity = 'client'
                               and r.external_id = l.client_external_id and not r.deleted
             where l.tenant_id = p_tenant and l.contact_id = p_contact) s;
        return summary;
      end $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop function crm_summary_json(uuid, uuid)`);
  }
}
