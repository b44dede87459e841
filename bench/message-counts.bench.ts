/**
 * `npm run bench:message-counts` (a script that prints figures, not a test): what the hourly
 * message counts (migration 1768200000000) add to writing and deleting messages.
 *
 * On a freshly migrated database (DATABASE_URL's server, or an embedded PostgreSQL when unset),
 * as the owner, one tenant with BENCH_CONVERSATIONS (2,000) conversations; each phase runs with
 * the count triggers on and off, alternated over BENCH_ROUNDS (3) rounds so drift of a shared
 * machine falls on both alike, and prints the ratio on/off of the medians:
 * - single: one message per transaction (an agent's reply, the one-by-one ingest path) from
 *   4 connections, with synchronous_commit off so the ratio shows the CPU added rather than fsync;
 * - batch: 50 messages over 25 conversations per statement (the ingest batch path), 2 connections;
 * - delete: 20,000 messages in one statement (a retention purge's batch is 5,000).
 * No app runs here (the statements go straight to PostgreSQL), so it has no app memory to report.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import { migrateRegionDatabase } from '../src/database/migrate';
import { createTestDatabases } from '../test/support/test-databases';
import { benchKnobs, recordPrintedFigures } from './bench-results';
import { envInt, note } from './load-loop';
import { runScript } from './run-script';

const CONVERSATIONS = envInt('BENCH_CONVERSATIONS', 2_000, 100, 100_000);
const ROUNDS = envInt('BENCH_ROUNDS', 3, 1, 20);
const SINGLE = 2_000;
const BATCHES = 200;
const DELETED = 20_000;
const TRIGGERS = ['messages_count_insert', 'messages_count_delete'];

async function connect(url: string): Promise<Client> {
  const c = new Client({ connectionString: url });
  await c.connect();
  await c.query('set synchronous_commit = off');
  return c;
}

async function seed(db: Client): Promise<{ tenantId: string; channelId: string; conversations: string[] }> {
  const tenantId = randomUUID();
  const channelId = randomUUID();
  await db.query(`insert into tenants (tenant_id, name, region) values ($1, 'Bench', 'eu')`, [tenantId]);
  await db.query(`insert into channels (tenant_id, id, kind, name) values ($1, $2, 'messenger', 'Bench page')`, [tenantId, channelId]);
  const conversations = (
    await db.query(
      `with k as (insert into contacts (tenant_id, display_name) select $1, 'Contact ' || g from generate_series(1, $3::int) g returning id)
       insert into conversations (tenant_id, contact_id, channel_id, status) select $1, id, $2, 'open' from k returning id`,
      [tenantId, channelId, CONVERSATIONS],
    )
  ).rows.map((r) => r.id as string);
  return { tenantId, channelId, conversations };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  recordPrintedFigures('message-counts', benchKnobs());
  const dbs = await createTestDatabases();
  const clients: Client[] = [];
  try {
    const url = dbs.urls.eu;
    await migrateRegionDatabase(url, { hostsDirectory: true, appRole: { name: `${dbs.run}_app`, password: randomBytes(18).toString('base64url') } });
    const owner = await connect(url);
    clients.push(owner);
    const { tenantId, channelId, conversations } = await seed(owner);
    const pool = await Promise.all([1, 2, 3, 4].map(() => connect(url)));
    clients.push(...pool);
    let seq = 0;
    const pick = () => conversations[Math.floor(Math.random() * conversations.length)];
    const setTriggers = (on: boolean) => Promise.all(TRIGGERS.map((t) => owner.query(`alter table messages ${on ? 'enable' : 'disable'} trigger ${t}`)));

    const single = async () => {
      const t0 = performance.now();
      await Promise.all(
        pool.map(async (c) => {
          for (let i = 0; i < SINGLE / pool.length; i++)
            await c.query(
              `insert into messages (tenant_id, conversation_id, channel_id, direction, text, external_id, sent_at)
               values ($1, $2, $3, 'inbound', 'hello', $4, now() - random() * interval '3 hours')`,
              [tenantId, pick(), channelId, `s-${seq++}`],
            );
        }),
      );
      return (SINGLE / (performance.now() - t0)) * 1000;
    };
    const batch = async () => {
      const t0 = performance.now();
      await Promise.all(
        pool.slice(0, 2).map(async (c) => {
          for (let i = 0; i < BATCHES / 2; i++) {
            const ids = Array.from({ length: 25 }, pick);
            await c.query(
              `insert into messages (tenant_id, conversation_id, channel_id, direction, text, external_id, sent_at)
               select $1, conv, $2, 'inbound', 'hello', $3 || '-' || n || '-' || k, now() - random() * interval '3 hours'
               from unnest($4::uuid[]) with ordinality as x(conv, n) cross join generate_series(1, 2) k`,
              [tenantId, channelId, `b-${seq++}`, ids],
            );
          }
        }),
      );
      return ((BATCHES * 50) / (performance.now() - t0)) * 1000;
    };
    const remove = async () => {
      await owner.query(
        `insert into messages (tenant_id, conversation_id, channel_id, direction, text, external_id, sent_at)
         select $1, ($3::uuid[])[1 + g % array_length($3::uuid[], 1)], $2, case when g % 2 = 0 then 'inbound' else 'outbound' end, 'old',
                'd-' || $4 || '-' || g, now() - interval '400 days' + g * interval '1 minute'
         from generate_series(1, $5::int) g`,
        [tenantId, channelId, conversations, seq++, DELETED],
      );
      const t0 = performance.now();
      await owner.query(`delete from messages where tenant_id = $1 and sent_at < now() - interval '300 days'`, [tenantId]);
      return (DELETED / (performance.now() - t0)) * 1000;
    };

    const phases: Array<[string, () => Promise<number>]> = [
      ['single-row insert transactions, 4 connections', single],
      ['50-row insert statements, 2 connections', batch],
      ['delete of 20,000 messages, one statement', remove],
    ];
    const rates = new Map(phases.map(([name]) => [name, { on: [] as number[], off: [] as number[] }]));
    for (let round = 0; round < ROUNDS; round++) {
      for (const on of round % 2 === 0 ? [true, false] : [false, true]) {
        await setTriggers(on);
        for (const [name, run] of phases) rates.get(name)![on ? 'on' : 'off'].push(await run());
      }
      note(`round ${round + 1} of ${ROUNDS} done`);
    }
    await setTriggers(true);
    const [{ rows: counted }] = [await owner.query(`select count(*)::int as n from message_counts where tenant_id = $1`, [tenantId])];
    process.stdout.write(
      `\nMessage counts: write cost, ${CONVERSATIONS.toLocaleString('en-US')} conversations, median of ${ROUNDS} rounds (messages/s; ratio on/off: 1.00 = free)\n\n` +
        `${''.padEnd(48)} ${'off'.padStart(9)} ${'on'.padStart(9)} ${'on/off'.padStart(7)}\n` +
        phases
          .map(([name]) => {
            const r = rates.get(name)!;
            const [off, on] = [median(r.off), median(r.on)];
            return `${name.padEnd(48)} ${off.toFixed(0).padStart(9)} ${on.toFixed(0).padStart(9)} ${(on / off).toFixed(2).padStart(7)}`;
          })
          .join('\n') +
        `\n(${counted[0].n} hourly count rows at the end)\n`,
    );
  } finally {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    await dbs.dispose();
    const admin = new Client({ connectionString: dbs.serverUrl });
    await admin
      .connect()
      .then(() => admin.query(`drop role if exists ${dbs.run}_app`))
      .catch(() => undefined)
      .finally(() => admin.end().catch(() => undefined));
  }
}

runScript(main);
