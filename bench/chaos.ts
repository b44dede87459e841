/**
 * Chaos run (a script that prints counts, not a test): `npm run chaos`.
 *
 * The two-instance proof of test/events-across-instances and test/failover under repeated crashes:
 * two app processes (workers on in both) on the same fresh region databases, the fake Graph server
 * (in this process; it records every Send API call) and an outgoing-webhook receiver. For
 * CHAOS_SECONDS a load loop sends signed Messenger and WhatsApp webhooks with unique message ids,
 * CHAOS_RATE per second, alternately to both instances (one an instance does not ACK goes to the
 * other, as a proxy's next upstream would; Meta itself retries what was not ACKed), and agents reply
 * through the API of either instance at a tenth of that rate to conversations picked at random.
 * Every CHAOS_KILL_EVERY_S seconds one instance, in turn, gets SIGKILL and is started again.
 *
 * At the end both instances run, the queues drain (bounded), and it counts:
 * - webhooks: ACKed but not stored (lost), stored more than once per platform message id;
 * - replies: accepted (202) but never sent to the fake (lost), sent more than once. A send in flight
 *   when its instance died may legitimately reach the platform twice (at-least-once towards the
 *   platform, see README "Leases"): a duplicate whose first call came shortly before a kill is
 *   reported apart from one that did not;
 * - outgoing webhooks: messages without a delivery accepted by the receiver (lost), event ids (or
 *   messages) delivered more than once, split the same way.
 * It exits 1 when anything ACKed or accepted was lost or stored twice, or a duplicate has no kill
 * to explain it. Knobs (environment): CHAOS_SECONDS (120), CHAOS_RATE (50 webhooks/s),
 * CHAOS_KILL_EVERY_S (10). Only 127.0.0.1 and the database server are contacted; every loop is
 * bounded. The printed figures go to bench/results/chaos.json.
 */
import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Pool } from 'pg';
import { signMetaBody } from '../src/channels/meta/meta-signature';
import { FakeGraphServer } from '../test/fakes/fake-graph.server';
import { AppProcess } from '../test/support/app-process';
import { META_APP_SECRET, messengerMessage, platformId, whatsappMessage } from '../test/support/meta';
import { BenchEnvironment, envNumber, int, note, sleep, withTimeout } from './bench-environment';
import { recordPrintedFigures } from './bench-results';
import { runScript } from './run-script';

const SECONDS = envNumber('CHAOS_SECONDS', 120, 5, 3600);
const RATE = envNumber('CHAOS_RATE', 50, 1, 500);
const KILL_EVERY_S = envNumber('CHAOS_KILL_EVERY_S', 10, 2, 600);
const REPLY_RATE = Math.max(1, RATE / 10);
const CONTACTS = 40; // per platform: replies land in conversations that keep receiving messages
const MAX_IN_FLIGHT = 64;
const REQUEST_TIMEOUT_MS = 10_000;
const DRAIN_BOUND_MS = 120_000;
/** A duplicate whose first copy arrived at most this long before a kill is one the kill can explain. */
const IN_FLIGHT_WINDOW_MS = 3_000;
/** A request the dead instance wrote just before it died can be read by the fake a moment after its exit was seen. */
const KILL_SLACK_MS = 100;
const RUN_BOUND_MS = (SECONDS + 600) * 1000;
const REPLY = /chaos reply (\d+)/;

/** The fake Graph server, noting when each chaos reply reached the Send API (every arrival, repeats included). */
class TimedGraph extends FakeGraphServer {
  readonly replyArrivals = new Map<number, number[]>();

  protected handle(req: IncomingMessage, raw: string, res: ServerResponse, bytes: Buffer): void {
    const n = req.method === 'POST' ? REPLY.exec(raw)?.[1] : undefined;
    if (n !== undefined) this.replyArrivals.set(Number(n), [...(this.replyArrivals.get(Number(n)) ?? []), performance.now()]);
    super.handle(req, raw, res, bytes);
  }
}

/** A webhook subscription's endpoint: accepts every delivery and notes its event id, message id and arrival. */
class Receiver {
  readonly received: Array<{ eventId: string; messageId: string; at: number }> = [];
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id: string; data: { message?: { id?: string } } };
        this.received.push({ eventId: body.id, messageId: body.data.message?.id ?? '', at: performance.now() });
      } catch {
        // not JSON: counted by no one, answered anyway
      }
      res.writeHead(204).end();
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server!.address() as { port: number }).port}/hook`;
    return this;
  }

  stop(): Promise<void> {
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

/** One of the two instances, with whether it is up (the load loop skips one known to be down). */
class Instance {
  up = false;
  constructor(
    readonly name: string,
    readonly app: AppProcess,
  ) {}

  async start(): Promise<void> {
    await this.app.start(120_000);
    this.up = true;
  }

  async kill9(): Promise<void> {
    this.up = false;
    await this.app.kill9();
  }
}

const psid = (contact: number) => `71000000000${String(contact).padStart(4, '0')}`;

const post = (url: string, body: string, headers: Record<string, string>) =>
  fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });

/** A duplicate is explained when its first copy arrived shortly before one of the kills. */
const nearKill = (firstAt: number, kills: number[]) => kills.some((k) => firstAt <= k + KILL_SLACK_MS && k - firstAt <= IN_FLIGHT_WINDOW_MS);

async function setUp(app: AppProcess, graph: FakeGraphServer, receiver: Receiver) {
  const signup = await post(
    `${app.url}/api/auth/signup`,
    JSON.stringify({ organizationName: 'Chaos', email: `chaos-${randomUUID()}@example.test`, password: 'a long enough password' }),
    {},
  );
  const account = (await signup.json()) as { accessToken: string; tenant: { id: string; region: string } };
  if (signup.status !== 201) throw new Error(`signup answered ${signup.status}: ${JSON.stringify(account)}`);
  if (account.tenant.region !== 'eu') throw new Error(`signed up in ${account.tenant.region}, the owner pool reaches eu`);
  const auth = { authorization: `Bearer ${account.accessToken}` };
  const pageId = platformId();
  graph.page(pageId, 'EAAB-chaos-page');
  for (let c = 0; c < CONTACTS; c++) graph.profile(pageId, psid(c), { first_name: 'Chaos', last_name: `Contact ${c}` });
  const phoneNumberId = platformId();
  const wabaId = platformId();
  graph.whatsapp(phoneNumberId, wabaId, 'EAAG-chaos-number');
  for (const body of [
    { kind: 'messenger', name: 'Chaos Page', config: { pageId }, credentials: { pageAccessToken: 'EAAB-chaos-page' } },
    { kind: 'whatsapp', name: 'Chaos number', config: { phoneNumberId, wabaId }, credentials: { accessToken: 'EAAG-chaos-number' } },
  ]) {
    const res = await post(`${app.url}/api/channels`, JSON.stringify(body), auth);
    if (res.status !== 201) throw new Error(`connecting ${body.kind} answered ${res.status}: ${await res.text()}`);
  }
  const sub = await post(
    `${app.url}/api/webhook-subscriptions`,
    JSON.stringify({ url: receiver.url, events: ['message.created'], purpose: 'service_delivery' }),
    auth,
  );
  if (sub.status !== 201) throw new Error(`the webhook subscription answered ${sub.status}: ${await sub.text()}`);
  return { token: account.accessToken, tenantId: account.tenant.id, pageId, phoneNumberId, wabaId };
}

async function main(): Promise<number> {
  recordPrintedFigures('chaos', { seconds: SECONDS, rate: RATE, killEverySeconds: KILL_EVERY_S, replyRate: REPLY_RATE });
  const graph = new TimedGraph();
  const receiver = await new Receiver().start();
  const bench = new BenchEnvironment('mm_chaos', RUN_BOUND_MS, graph);
  let b: Instance | undefined;
  bench.onCleanup(async () => {
    if (b) await withTimeout(b.app.stop(), 15_000, 'stopping instance B').catch(() => b!.app.kill9());
    await receiver.stop();
  });

  return bench.run(async () => {
    const { app, owner } = await bench.start(
      { max: 3 },
      // Small pools: the two instances share the database server's connections with other runs.
      { env: { WORKERS: 'on', WORKER_IDLE_MS: '100', WEBHOOKS_ALLOW_LOCAL_TARGETS: 'on', DATABASE_POOL_SIZE: '5' } },
    );
    const a = new Instance('A', app);
    a.up = true;
    b = new Instance('B', new AppProcess(bench.env));
    note('starting instance B');
    await b.start();
    const instances = [a, b];
    const t = await setUp(app, graph, receiver);

    // The load: webhook i is Messenger when even, WhatsApp when odd; pairs alternate between the instances.
    const acked = new Map<string, boolean>(); // platform message id -> ACKed
    let sentToOther = 0;
    let notAcked = 0;
    let inFlight = 0;
    const webhookBody = (i: number): { mid: string; raw: string } => {
      const contact = Math.floor(i / 2) % CONTACTS;
      if (i % 2 === 0) {
        const mid = `m_chaos_${i}`;
        return { mid, raw: JSON.stringify(messengerMessage(t.pageId, psid(contact), `chaos ${i}`, mid)) };
      }
      const mid = `wamid.chaos_${i}`;
      const from = `4915000${String(contact).padStart(5, '0')}`;
      return { mid, raw: JSON.stringify(whatsappMessage(t.wabaId, t.phoneNumberId, from, { id: mid, type: 'text', text: { body: `chaos ${i}` } })) };
    };
    const deliver = async (i: number) => {
      const { mid, raw } = webhookBody(i);
      const first = instances[Math.floor(i / 2) % 2];
      // As a proxy does: the planned upstream even when it is down (refused at once), then the other.
      const order = [first, instances.find((x) => x !== first)!];
      acked.set(mid, false);
      for (const [k, target] of order.entries()) {
        const ok = await post(`${target.app.url}/webhooks/meta`, raw, { 'x-hub-signature-256': signMetaBody(META_APP_SECRET, raw) }).then(
          (r) => r.status === 200,
          () => false,
        );
        if (ok) {
          acked.set(mid, true);
          if (k > 0) sentToOther++;
          return;
        }
      }
      notAcked++;
    };

    // Replies: to conversations seen so far, through either instance in turn; text n is reply n.
    const accepted = new Map<number, string>(); // reply n -> message id
    const repliesRefused = new Map<string, number>(); // HTTP status or the error's name -> count
    let conversations: string[] = [];
    const reply = async (n: number) => {
      if (conversations.length === 0) return;
      const target = instances[n % 2].up ? instances[n % 2] : instances[(n + 1) % 2];
      const conversationId = conversations[Math.floor(Math.random() * conversations.length)];
      const res = await post(`${target.app.url}/api/conversations/${conversationId}/messages`, JSON.stringify({ text: `chaos reply ${n}` }), {
        authorization: `Bearer ${t.token}`,
      }).catch((err: Error) => err);
      if (!(res instanceof Error) && res.status === 202) accepted.set(n, ((await res.json()) as { id: string }).id);
      else {
        const why = res instanceof Error ? ((res.cause as Error | undefined)?.message ?? res.name) : `HTTP ${res.status}`;
        repliesRefused.set(why, (repliesRefused.get(why) ?? 0) + 1);
      }
    };

    const kills: number[] = [];
    const restartMs: number[] = [];
    let running = true;
    const started = performance.now();
    const endAt = started + SECONDS * 1000;

    // A restart that fails (say the database server is out of connections for a moment) is tried again;
    // one that keeps failing ends the run (and its cleanup stops whatever did start).
    let fatal: Error | undefined;
    const restart = async (target: Instance) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return await target.start();
        } catch (err) {
          await target.app.kill9();
          if (attempt === 3) throw err;
          note(`restarting instance ${target.name} failed (${(err as Error).message.split('\n')[0]}); again`);
        }
      }
    };
    const killer = (async () => {
      let victim = 0;
      let lastKill = performance.now();
      while (running) {
        await sleep(Math.max(0, lastKill + KILL_EVERY_S * 1000 - performance.now()));
        if (!running || performance.now() > endAt) break;
        const target = instances[victim];
        victim = 1 - victim;
        lastKill = performance.now();
        note(`${((lastKill - started) / 1000).toFixed(0)} s: kill -9 instance ${target.name}`);
        await target.kill9();
        // When its exit was seen: what it had sent by then may still be arriving (see KILL_SLACK_MS).
        kills.push(performance.now());
        const t0 = performance.now();
        await restart(target);
        restartMs.push(performance.now() - t0);
      }
    })().catch((err: Error) => {
      fatal = err;
      running = false;
    });

    const conversationsRefresh = (async () => {
      while (running) {
        conversations = (await owner.query(`select id from conversations where tenant_id = $1`, [t.tenantId]).catch(() => ({ rows: [] }))).rows.map(
          (r: { id: string }) => r.id,
        );
        await sleep(1000);
      }
    })();

    const pending = new Set<Promise<void>>();
    const launch = (p: Promise<void>) => {
      inFlight++;
      const tracked = p.finally(() => {
        inFlight--;
        pending.delete(tracked);
      });
      pending.add(tracked);
    };
    note(`load: ${RATE} webhooks/s and ${REPLY_RATE} replies/s for ${SECONDS} s, kill -9 every ${KILL_EVERY_S} s`);
    const replyEvery = Math.round(RATE / REPLY_RATE);
    for (let i = 0; ; i++) {
      const due = started + (i * 1000) / RATE;
      if (due > endAt || fatal) break;
      await sleep(due - performance.now());
      while (inFlight >= MAX_IN_FLIGHT) await sleep(5);
      launch(deliver(i));
      if (i % replyEvery === replyEvery - 1) launch(reply(Math.floor(i / replyEvery)));
    }
    await Promise.all(pending);
    running = false;
    await killer;
    await conversationsRefresh;
    if (fatal) throw fatal;
    const loadSeconds = (performance.now() - started) / 1000;

    note('waiting for the queues to drain');
    const drainStart = performance.now();
    const backlog = async () =>
      Number(
        (await owner.query(`select count(*)::int as n from queue.jobs where kind in ('inbound', 'outbound', 'webhook') and tenant_id = $1`, [t.tenantId]))
          .rows[0].n,
      );
    let left = await backlog();
    while (left > 0 && performance.now() - drainStart < DRAIN_BOUND_MS) {
      await sleep(250);
      left = await backlog();
    }
    const drainSeconds = (performance.now() - drainStart) / 1000;
    await sleep(1500); // a late duplicate would arrive by now

    return report({
      owner,
      tenantId: t.tenantId,
      acked,
      notAcked,
      sentToOther,
      accepted,
      repliesRefused,
      graph,
      receiver,
      kills,
      restartMs,
      loadSeconds,
      drainSeconds,
      left,
    });
  });
}

interface Outcome {
  owner: Pool;
  tenantId: string;
  acked: Map<string, boolean>;
  notAcked: number;
  sentToOther: number;
  accepted: Map<number, string>;
  repliesRefused: Map<string, number>;
  graph: TimedGraph;
  receiver: Receiver;
  kills: number[];
  restartMs: number[];
  loadSeconds: number;
  drainSeconds: number;
  left: number;
}

async function report(o: Outcome): Promise<number> {
  // Webhooks: each ACKed platform message id is one inbound message.
  const stored = new Map<string, number>(
    (
      await o.owner.query(`select external_id, count(*)::int as n from messages where tenant_id = $1 and direction = 'inbound' group by external_id`, [
        o.tenantId,
      ])
    ).rows.map((r: { external_id: string; n: number }) => [r.external_id, r.n]),
  );
  const ackedIds = [...o.acked].filter(([, ok]) => ok).map(([mid]) => mid);
  const webhooksLost = ackedIds.filter((mid) => !stored.has(mid)).length;
  const storedTwice = [...stored.values()].filter((n) => n > 1).length;
  const storedUnacked = [...o.acked].filter(([mid, ok]) => !ok && stored.has(mid)).length;
  const unfinished = Number(
    (await o.owner.query(`select count(*)::int as n from inbound_events where tenant_id = $1 and state <> 'done'`, [o.tenantId])).rows[0].n,
  );

  // Replies: each accepted one reaches the fake Send API; a repeat is explained by a kill or not.
  const statuses = new Map<string, string>(
    (await o.owner.query(`select id, status from messages where tenant_id = $1 and direction = 'outbound'`, [o.tenantId])).rows.map(
      (r: { id: string; status: string }) => [r.id, r.status],
    ),
  );
  let repliesLost = 0;
  let sentOnce = 0;
  let sentTwiceAtKill = 0;
  let sentTwiceOther = 0;
  for (const n of o.accepted.keys()) {
    const arrivals = o.graph.replyArrivals.get(n) ?? [];
    if (arrivals.length === 0) repliesLost++;
    else if (arrivals.length === 1) sentOnce++;
    else if (nearKill(arrivals[0], o.kills)) sentTwiceAtKill++;
    else sentTwiceOther++;
  }
  const notRecordedSent = [...o.accepted.values()].filter((id) => statuses.get(id) !== 'sent').length;

  // Outgoing webhooks: one message.created delivery per message, once per event id.
  const messageIds = [
    ...statuses.keys(),
    ...(await o.owner.query(`select id from messages where tenant_id = $1 and direction = 'inbound'`, [o.tenantId])).rows.map((r: { id: string }) => r.id),
  ];
  const byEvent = new Map<string, number[]>();
  const eventsOfMessage = new Map<string, Set<string>>();
  for (const r of o.receiver.received) {
    byEvent.set(r.eventId, [...(byEvent.get(r.eventId) ?? []), r.at]);
    eventsOfMessage.set(r.messageId, (eventsOfMessage.get(r.messageId) ?? new Set()).add(r.eventId));
  }
  const deliveriesLost = messageIds.filter((id) => !eventsOfMessage.has(id)).length;
  const repeated = [...byEvent.values()].filter((at) => at.length > 1);
  const deliveredTwiceAtKill = repeated.filter((at) => nearKill(at[0], o.kills)).length;
  const deliveredTwiceOther = repeated.length - deliveredTwiceAtKill;
  const twoEventsForOneMessage = [...eventsOfMessage.values()].filter((s) => s.size > 1).length;
  // What an unexplained repeat looked like: when its copies came, against the kills (seconds from the first kill).
  const t0 = o.kills[0] ?? 0;
  const when = (at: number[]) => at.map((x) => ((x - t0) / 1000).toFixed(1)).join(', ');
  const unexplained = [
    ...[...o.accepted.keys()]
      .map((n) => o.graph.replyArrivals.get(n) ?? [])
      .filter((at) => at.length > 1 && !nearKill(at[0], o.kills))
      .map((at) => `reply sent at ${when(at)} s`),
    ...repeated.filter((at) => !nearKill(at[0], o.kills)).map((at) => `event delivered at ${when(at)} s`),
    ...[...eventsOfMessage].filter(([, ids]) => ids.size > 1).map(([id, ids]) => `message ${id} delivered under ${ids.size} event ids`),
  ];

  const acked = ackedIds.length;
  const rows: Array<[string, string, string, string]> = [
    ['webhooks ACKed → inbound messages', int(acked), int(webhooksLost), int(storedTwice)],
    ['replies accepted → sends to the fake', int(o.accepted.size), int(repliesLost), `${int(sentTwiceAtKill)} at a kill, ${int(sentTwiceOther)} other`],
    [
      'messages → webhook deliveries (event ids)',
      int(messageIds.length),
      int(deliveriesLost),
      `${int(deliveredTwiceAtKill)} at a kill, ${int(deliveredTwiceOther)} other, ${int(twoEventsForOneMessage)} under two event ids`,
    ],
  ];
  const restarts = o.restartMs.length ? o.restartMs.reduce((s, x) => s + x, 0) / o.restartMs.length / 1000 : NaN;
  process.stdout.write(
    `\nChaos: ${o.loadSeconds.toFixed(0)} s of load at ${RATE} webhooks/s, ${o.kills.length} kill -9 (every ${KILL_EVERY_S} s, alternating; ` +
      `restart to healthy ${Number.isFinite(restarts) ? restarts.toFixed(1) : 'n/a'} s on average); queues drained in ${o.drainSeconds.toFixed(1)} s` +
      `${o.left > 0 ? ` (NOT DRAINED: ${o.left} jobs left)` : ''}\n\n` +
      `${'what'.padEnd(44)} ${'count'.padStart(8)} ${'lost'.padStart(6)}   duplicated\n` +
      rows.map(([w, c, l, d]) => `${w.padEnd(44)} ${c.padStart(8)} ${l.padStart(6)}   ${d}`).join('\n') +
      `\n\nwebhooks not ACKed by either instance (the platform would retry them): ${int(o.notAcked)}; of those stored anyway: ${int(storedUnacked)}; ` +
      `ACKed by the second instance tried: ${int(o.sentToOther)}; inbound events not done: ${int(unfinished)}\n` +
      `replies refused or unanswered (not counted): ${[...o.repliesRefused].map(([why, n]) => `${int(n)} ${why}`).join(', ') || 'none'}; accepted replies not recorded as sent: ${int(notRecordedSent)}; sent once: ${int(sentOnce)}\n` +
      `"at a kill": the first copy reached the fake within ${IN_FLIGHT_WINDOW_MS / 1000} s before a kill -9, the instance died before recording it, ` +
      `and the job's next holder sent it again (at-least-once towards platforms and receivers; the event id lets a receiver dedupe)\n` +
      (unexplained.length
        ? `unexplained repeats (kills at ${when(o.kills)} s):\n${unexplained
            .slice(0, 10)
            .map((u) => `  ${u}\n`)
            .join('')}`
        : ''),
  );
  const failed =
    webhooksLost + storedTwice + repliesLost + sentTwiceOther + deliveriesLost + deliveredTwiceOther + twoEventsForOneMessage + o.left + unfinished > 0;
  process.stdout.write(
    `lost/duplicated (ACKed or accepted): ${webhooksLost + repliesLost + deliveriesLost}/${storedTwice + sentTwiceOther + deliveredTwiceOther + twoEventsForOneMessage}${failed ? ' FAILED' : ''}\n`,
  );
  return failed ? 1 : 0;
}

runScript(main);
