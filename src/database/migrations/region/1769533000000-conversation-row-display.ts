import { MigrationInterface, QueryRunner } from 'typeorm';

/** A conversation's labels as its list row shows them: id, name and colour, by name. */
const LABELS_OF = (tenant: string, conversation: string) => `(
  select coalesce(jsonb_agg(jsonb_build_object('id', l.id, 'name', l.name, 'colour', l.colour) order by lower(l.name), l.id), '[]'::jsonb)
  from conversation_labels cl join labels l on l.tenant_id = cl.tenant_id and l.id = cl.label_id
  where cl.tenant_id = ${tenant} and cl.conversation_id = ${conversation})`;

/** Whether the conversation's contact is linked to any CRM client. */
const CRM_LINKED = (tenant: string, contact: string) => `exists (select 1 from crm_links k where k.tenant_id = ${tenant} and k.contact_id = ${contact})`;

/**
 * The conversations matching `where` (alias c), locked in (tenant_id, id) order before a trigger
 * updates several of them: in plan order, two writers of the same conversations could deadlock
 * (see migration ConversationLockOrder).
 */
const LOCK_IN_ORDER = (where: string) => `perform 1 from conversations c where ${where} order by c.tenant_id, c.id for no key update of c;`;

/**
 * `body` run once per INSERT and once per DELETE statement on `table` (functions and triggers
 * `<name>_insert`, `<name>_delete`), the statement's rows in the transition table `changed`.
 */
async function afterInsertAndDelete(q: QueryRunner, name: string, table: string, body: string): Promise<void> {
  for (const [event, rows] of [
    ['insert', 'new'],
    ['delete', 'old'],
  ] as const) {
    await q.query(`
      create function ${name}_${event}() returns trigger language plpgsql as $$
      begin
        ${body}
        return null;
      end $$`);
    await q.query(`create trigger ${name}_${event} after ${event} on ${table}
      referencing ${rows} table as changed for each statement execute function ${name}_${event}()`);
  }
}

/**
 * What an inbox list row shows besides the conversation's own columns, kept on the conversation
 * row on write as its message preview is (migration ConversationSummary): the contact's display
 * name, the labels (id, name, colour, in the list's order) and whether the contact has any CRM link.
 * Each was a probe per row of every page: measured serially on the 25-row page of the triage bench
 * (1,000,000 messages), the statement took 1.64 ms, 1.00 ms without the three probes (contact
 * 0.45, labels 0.31, CRM 0.28 ms alone). The CRM summary itself still comes from crm_links and
 * crm_records (its next appointment depends on the clock), now only for a contact that has a link.
 *
 * Kept by triggers, so every writer keeps them without knowing: a contact's rename (by an agent,
 * or by the platform's profile on ingest), a conversation moved to another contact (a merge),
 * labels put on or taken off, a label renamed, recoloured or deleted (its conversation_labels rows
 * go by cascade, which fires their trigger), CRM links made or removed. A deleted contact's
 * conversations are deleted with it (erasure), so no copy of its name outlives it.
 */
export class ConversationRowDisplay1769533000000 implements MigrationInterface {
  name = 'ConversationRowDisplay1769533000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      alter table conversations
        add column contact_name text,
        add column labels jsonb not null default '[]'::jsonb,
        add column contact_crm_linked boolean not null default false`);

    await q.query(`
      create function conversation_contact_display() returns trigger language plpgsql as $$
      begin
        new.contact_name := (select display_name from contacts where tenant_id = new.tenant_id and id = new.contact_id);
        new.contact_crm_linked := ${CRM_LINKED('new.tenant_id', 'new.contact_id')};
        return new;
      end $$`);
    await q.query(`create trigger conversations_contact_display_insert before insert on conversations
      for each row execute function conversation_contact_display()`);
    await q.query(`create trigger conversations_contact_display_update before update of contact_id on conversations
      for each row when (old.contact_id is distinct from new.contact_id) execute function conversation_contact_display()`);

    await q.query(`
      create function contact_name_to_conversations() returns trigger language plpgsql as $$
      begin
        ${LOCK_IN_ORDER('c.tenant_id = new.tenant_id and c.contact_id = new.id')}
        update conversations set contact_name = new.display_name
        where tenant_id = new.tenant_id and contact_id = new.id and contact_name is distinct from new.display_name;
        return null;
      end $$`);
    await q.query(`create trigger contacts_name_to_conversations after update of display_name on contacts
      for each row when (old.display_name is distinct from new.display_name) execute function contact_name_to_conversations()`);

    // Statement-level: a PUT of a conversation's labels or a bulk labelling is one update per conversation.
    await afterInsertAndDelete(
      q,
      'conversation_labels_refresh',
      'conversation_labels',
      `${LOCK_IN_ORDER('(c.tenant_id, c.id) in (select distinct tenant_id, conversation_id from changed)')}
       update conversations c set labels = ${LABELS_OF('c.tenant_id', 'c.id')}
       where (c.tenant_id, c.id) in (select distinct tenant_id, conversation_id from changed);`,
    );
    await q.query(`
      create function label_to_conversations() returns trigger language plpgsql as $$
      begin
        ${LOCK_IN_ORDER('c.tenant_id = new.tenant_id and c.id in (select conversation_id from conversation_labels where tenant_id = new.tenant_id and label_id = new.id)')}
        update conversations c set labels = ${LABELS_OF('c.tenant_id', 'c.id')}
        where c.tenant_id = new.tenant_id
          and c.id in (select conversation_id from conversation_labels where tenant_id = new.tenant_id and label_id = new.id);
        return null;
      end $$`);
    await q.query(`create trigger labels_to_conversations after update of name, colour on labels
      for each row when (old.name is distinct from new.name or old.colour is distinct from new.colour) execute function label_to_conversations()`);

    await afterInsertAndDelete(
      q,
      'crm_links_to_conversations',
      'crm_links',
      `${LOCK_IN_ORDER(`(c.tenant_id, c.contact_id) in (select distinct tenant_id, contact_id from changed) and c.contact_crm_linked is distinct from ${CRM_LINKED('c.tenant_id', 'c.contact_id')}`)}
       update conversations c set contact_crm_linked = ${CRM_LINKED('c.tenant_id', 'c.contact_id')}
       where (c.tenant_id, c.contact_id) in (select distinct tenant_id, contact_id from changed)
         and c.contact_crm_linked is distinct from ${CRM_LINKED('c.tenant_id', 'c.contact_id')};`,
    );
    await q.query(`
      create function crm_link_moved_to_conversations() returns trigger language plpgsql as $$
      begin
        ${LOCK_IN_ORDER('c.tenant_id = new.tenant_id and c.contact_id in (old.contact_id, new.contact_id)')}
        update conversations c set contact_crm_linked = ${CRM_LINKED('c.tenant_id', 'c.contact_id')}
        where c.tenant_id = new.tenant_id and c.contact_id in (old.contact_id, new.contact_id)
          and c.contact_crm_linked is distinct from ${CRM_LINKED('c.tenant_id', 'c.contact_id')};
        return null;
      end $$`);
    await q.query(`create trigger crm_links_moved_to_conversations after update of contact_id on crm_links
      for each row when (old.contact_id is distinct from new.contact_id) execute function crm_link_moved_to_conversations()`);

    await q.query(`
      update conversations c set
        contact_name = (select display_name from contacts ct where ct.tenant_id = c.tenant_id and ct.id = c.contact_id),
        labels = ${LABELS_OF('c.tenant_id', 'c.id')},
        contact_crm_linked = ${CRM_LINKED('c.tenant_id', 'c.contact_id')}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`drop trigger crm_links_moved_to_conversations on crm_links`);
    await q.query(`drop function crm_link_moved_to_conversations()`);
    for (const event of ['insert', 'delete']) {
      await q.query(`drop trigger crm_links_to_conversations_${event} on crm_links`);
      await q.query(`drop function crm_links_to_conversations_${event}()`);
      await q.query(`drop trigger conversation_labels_refresh_${event} on conversation_labels`);
      await q.query(`drop function conversation_labels_refresh_${event}()`);
    }
    await q.query(`drop trigger labels_to_conversations on labels`);
    await q.query(`drop function label_to_conversations()`);
    await q.query(`drop trigger contacts_name_to_conversations on contacts`);
    await q.query(`drop function contact_name_to_conversations()`);
    await q.query(`drop trigger conversations_contact_display_update on conversations`);
    await q.query(`drop trigger conversations_contact_display_insert on conversations`);
    await q.query(`drop function conversation_contact_display()`);
    await q.query(`alter table conversations drop column contact_crm_linked, drop column labels, drop column contact_name`);
  }
}
