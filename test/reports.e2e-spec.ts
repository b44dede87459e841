import type { Client } from 'pg';
import { TestApp, TestTenant, ownerClient } from './support/test-app';

/**
 * Conversation reports: opened and resolved, first response and resolution times (p50, p90),
 * messages in and out and backlog, per day in the caller's time zone, channel, team or agent; as
 * JSON and CSV; computed from the stored timestamps (the triggers that keep them are checked first).
 */
describe('reports', () => {
  let t: TestApp;
  let db: Client;
  beforeAll(async () => {
    t = await TestApp.start();
    db = await ownerClient('eu');
  });
  afterAll(async () => {
    await db.end();
    await t.close();
  });

  const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });
  const noSurveys = { csatAsked: 0, csatAnswered: 0, csatAverage: null, csatRatings: [0, 0, 0, 0, 0] };
  const report = (who: TestTenant, query: string) => call(who, 'GET', `/api/reports/conversations?from=2026-03-01&to=2026-03-02&${query}`);

  /**
   * Three conversations whose timestamps are then set (Moscow is UTC+3): the first starts late on
   * 1 March Moscow time (still 1 March in UTC) and is resolved after an hour; the second starts
   * just after midnight on 2 March in Moscow (1 March in UTC); the third on 2 March.
   */
  async function history() {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const [a, b] = [await t.createChannel(owner), await t.createChannel(owner)];
    const team = (await call(owner, 'POST', '/api/teams', { name: 'Support', channelIds: [a] })).body.id;
    const c1 = (await t.inbound(owner, a, { externalContactId: 'psid-1' })).conversation.id;
    const c2 = (await t.inbound(owner, b, { externalContactId: 'psid-2' })).conversation.id;
    const c3 = (await t.inbound(owner, b, { externalContactId: 'psid-3' })).conversation.id;
    for (const c of [c1, c2, c3]) expect((await call(agent, 'POST', `/api/conversations/${c}/messages`, { text: 'on it' })).status).toBe(202);
    await call(owner, 'PATCH', `/api/conversations/${c1}`, { assigneeId: agent.userId, status: 'resolved' });
    const set = async (id: string, created: string, responseAfter: number, resolvedAfter: number | null) => {
      const start = new Date(created);
      const plus = (s: number) => new Date(start.getTime() + s * 1000);
      await db.query(`update conversations set created_at = $2, first_response_at = $3, resolved_at = $4 where id = $1`, [
        id,
        start,
        plus(responseAfter),
        resolvedAfter === null ? null : plus(resolvedAfter),
      ]);
      await db.query(`update messages set sent_at = case direction when 'inbound' then $2::timestamptz else $3::timestamptz end where conversation_id = $1`, [
        id,
        start,
        plus(responseAfter),
      ]);
    };
    return { owner, agent, a, b, team, c1, c2, c3, set };
  }

  it('keeps when a person first answered and when a conversation was resolved', async () => {
    const { owner, c1, c2 } = await history();
    const stamps = async (id: string) => (await db.query(`select first_response_at, resolved_at, status from conversations where id = $1`, [id])).rows[0];
    const firstReply = (await db.query(`select min(sent_at) as at from messages where conversation_id = $1 and direction = 'outbound'`, [c2])).rows[0].at;
    expect((await stamps(c2)).first_response_at).toEqual(firstReply);
    expect((await stamps(c2)).resolved_at).toBeNull();
    expect((await stamps(c1)).resolved_at).toBeInstanceOf(Date);
    await call(owner, 'PATCH', `/api/conversations/${c1}`, { status: 'open' });
    expect((await stamps(c1)).resolved_at).toBeNull();
  });

  it('per day in the caller’s time zone, per agent, channel and team, as JSON and CSV', async () => {
    const { owner, agent, a, b, team, c1, c2, c3, set } = await history();
    await set(c1, '2026-03-01T20:30:00Z', 60, 3600);
    await set(c2, '2026-03-01T21:30:00Z', 300, null);
    await set(c3, '2026-03-02T06:00:00Z', 900, null);

    const moscow = await report(owner, 'timeZone=Europe/Moscow');
    expect(moscow.status).toBe(200);
    expect(moscow.body).toEqual({
      from: '2026-03-01',
      to: '2026-03-02',
      timeZone: 'Europe/Moscow',
      groupBy: 'day',
      items: [
        {
          key: '2026-03-01',
          opened: 1,
          resolved: 0,
          firstResponseP50: 60,
          firstResponseP90: 60,
          resolutionP50: null,
          resolutionP90: null,
          // No business hours: every hour counts.
          firstResponseBusinessP50: 60,
          firstResponseBusinessP90: 60,
          resolutionBusinessP50: null,
          resolutionBusinessP90: null,
          messagesIn: 1,
          messagesOut: 1,
          backlog: null,
          ...noSurveys,
        },
        {
          key: '2026-03-02',
          opened: 2,
          resolved: 1,
          firstResponseP50: 600,
          firstResponseP90: 840,
          resolutionP50: 3600,
          resolutionP90: 3600,
          firstResponseBusinessP50: 600,
          firstResponseBusinessP90: 840,
          resolutionBusinessP50: 3600,
          resolutionBusinessP90: 3600,
          messagesIn: 2,
          messagesOut: 2,
          backlog: null,
          ...noSurveys,
        },
      ],
    });
    // In UTC the first two start on 1 March, and the resolution too.
    const utc = (await report(owner, '')).body.items;
    expect(utc.map((r: { key: string; opened: number; resolved: number }) => [r.key, r.opened, r.resolved])).toEqual([
      ['2026-03-01', 2, 1],
      ['2026-03-02', 1, 0],
    ]);

    const byAgent = (await report(owner, 'groupBy=agent&timeZone=Europe/Moscow')).body.items;
    expect(byAgent.map((r: Record<string, unknown>) => [r.key, r.opened, r.resolved, r.messagesIn, r.messagesOut, r.backlog])).toEqual([
      [agent.userId, 1, 1, 1, 3, 0],
      [null, 2, 0, 2, 0, 2],
    ]);
    const byChannel = (await report(owner, 'groupBy=channel')).body.items;
    expect(byChannel.map((r: Record<string, unknown>) => [r.key, r.opened, r.backlog])).toEqual(
      [
        [a, 1, 0],
        [b, 2, 2],
      ].sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    const byTeam = (await report(owner, 'groupBy=team')).body.items;
    expect(byTeam.map((r: Record<string, unknown>) => [r.key, r.opened, r.resolved])).toEqual([
      [team, 1, 1],
      [null, 2, 0],
    ]);

    const csv = await call(owner, 'GET', '/api/reports/conversations/csv?from=2026-03-01&to=2026-03-02&timeZone=Europe/Moscow');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    expect(csv.body).toBe(
      'key,opened,resolved,firstResponseP50,firstResponseP90,resolutionP50,resolutionP90,' +
        'firstResponseBusinessP50,firstResponseBusinessP90,resolutionBusinessP50,resolutionBusinessP90,messagesIn,messagesOut,backlog,' +
        'csatAsked,csatAnswered,csatAverage,csat1,csat2,csat3,csat4,csat5\n' +
        '2026-03-01,1,0,60,60,,,60,60,,,1,1,,0,0,,0,0,0,0,0\n' +
        '2026-03-02,2,1,600,840,3600,3600,600,840,3600,3600,2,2,,0,0,,0,0,0,0,0\n',
    );

    // Another organization's report holds nothing of this one's.
    const other = await t.signup();
    expect((await report(other, 'groupBy=channel')).body.items).toEqual([]);
  });

  it('counts messages from hourly counts kept on write: exact in a half-hour zone, after a reassignment and a team move, without what was deleted', async () => {
    const { owner, agent, a, b, team, c1, c2, c3 } = await history();
    const at = (id: string, direction: string, when: string) =>
      db.query(`update messages set sent_at = $3 where conversation_id = $1 and direction = $2`, [id, direction, when]);
    // Kolkata is UTC+5:30: its midnight of 2 March is 1 March 18:30 UTC, in the middle of an hour.
    await at(c1, 'inbound', '2026-03-01T18:10:00Z'); // 1 March 23:40 in Kolkata
    await at(c1, 'outbound', '2026-03-01T18:40:00Z'); // 2 March 00:10
    await at(c2, 'inbound', '2026-02-28T18:20:00Z'); // 28 February 23:50: before the range
    await at(c2, 'outbound', '2026-03-02T18:20:00Z'); // 2 March 23:50
    await at(c3, 'inbound', '2026-03-02T18:40:00Z'); // 3 March 00:10: after the range
    await at(c3, 'outbound', '2026-03-01T12:00:00Z'); // 1 March 17:30
    const counts = async (query: string) => (await report(owner, query)).body.items.map((r: Record<string, unknown>) => [r.key, r.messagesIn, r.messagesOut]);
    expect(await counts('timeZone=Asia/Kolkata')).toEqual([
      ['2026-03-01', 1, 1],
      ['2026-03-02', 0, 2],
    ]);
    expect(await counts('')).toEqual([
      ['2026-03-01', 1, 2],
      ['2026-03-02', 1, 1],
    ]);

    // The hourly counts are those of the messages, whatever path wrote or moved them.
    const drift = async () =>
      (
        await db.query(
          `(select hour, conversation_id, author_id, inbound, outbound from message_counts where tenant_id = $1
            except select date_bin('1 hour', sent_at, timestamptz '2000-01-01 00:00:00+00'), conversation_id,
                          coalesce(case when direction = 'outbound' then author_id end, '00000000-0000-0000-0000-000000000000'),
                          count(*) filter (where direction = 'inbound'), count(*) filter (where direction = 'outbound')
                   from messages where tenant_id = $1 group by 1, 2, 3)
           union all
           (select date_bin('1 hour', sent_at, timestamptz '2000-01-01 00:00:00+00'), conversation_id,
                   coalesce(case when direction = 'outbound' then author_id end, '00000000-0000-0000-0000-000000000000'),
                   count(*) filter (where direction = 'inbound'), count(*) filter (where direction = 'outbound')
            from messages where tenant_id = $1 group by 1, 2, 3
            except select hour, conversation_id, author_id, inbound, outbound from message_counts where tenant_id = $1)`,
          [owner.tenantId],
        )
      ).rows;
    expect(await drift()).toEqual([]);

    // Messages count for the conversation's assignee and team as they are now (an outbound one for its author).
    const range = 'from=2026-02-28&to=2026-03-03';
    const by = async (groupBy: string) =>
      (await call(owner, 'GET', `/api/reports/conversations?${range}&groupBy=${groupBy}`)).body.items
        .filter((r: Record<string, number>) => r.messagesIn + r.messagesOut > 0)
        .map((r: Record<string, unknown>) => [r.key, r.messagesIn, r.messagesOut]);
    expect(await by('agent')).toEqual([
      [agent.userId, 1, 3],
      [null, 2, 0],
    ]);
    await call(owner, 'PATCH', `/api/conversations/${c1}`, { assigneeId: owner.userId });
    await call(owner, 'PATCH', `/api/conversations/${c2}`, { teamId: team });
    const sorted = (xs: unknown[][]) => xs.sort((x, y) => String(x[0] ?? '\uffff').localeCompare(String(y[0] ?? '\uffff')));
    expect(await by('agent')).toEqual(
      sorted([
        [agent.userId, 0, 3],
        [owner.userId, 1, 0],
        [null, 2, 0],
      ]),
    );
    expect(await by('team')).toEqual([
      [team, 2, 2],
      [null, 1, 1],
    ]);
    expect(await by('channel')).toEqual(
      sorted([
        [a, 1, 1],
        [b, 2, 2],
      ]),
    );

    // Deleted messages (erasure, retention) leave the counts, and no count outlives its conversation.
    await db.query(`delete from messages where conversation_id = $1 and direction = 'outbound'`, [c3]);
    await db.query(`delete from conversations where id = $1`, [c2]);
    expect(await by('channel')).toEqual(
      sorted([
        [a, 1, 1],
        [b, 1, 0],
      ]),
    );
    expect((await db.query(`select count(*)::int as n from message_counts where conversation_id = any($1::uuid[])`, [[c2]])).rows[0].n).toBe(0);
    expect(await drift()).toEqual([]);
  });

  it("counts times in business hours too: the channel's schedule, else the team's, in its time zone, without holidays", async () => {
    const { owner, a, b, team, c1, c2, c3, set } = await history();
    const weekdays = (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({ day, open: '09:00', close: '18:00' }));
    // Channel a's team works Moscow hours with Monday 9 March off; channel b has its own New York hours.
    await call(owner, 'POST', '/api/business-hours', { teamId: team, timeZone: 'Europe/Moscow', weekly: weekdays, holidays: ['2026-03-09'] });
    await call(owner, 'POST', '/api/business-hours', { channelId: b, timeZone: 'America/New_York', weekly: weekdays });
    // c1 (channel a): Friday 17:00 Moscow, first answer Tuesday 10:00 Moscow: 1 h on Friday + 1 h on Tuesday; resolved an hour later.
    await set(c1, '2026-03-06T14:00:00Z', 3 * 86400 + 17 * 3600, 3 * 86400 + 18 * 3600);
    // c2 (channel b): Friday 17:30 New York (EST), answered an hour later: 30 min of business time.
    await set(c2, '2026-03-06T22:30:00Z', 3600, null);
    // c3 (channel b): Saturday, answered Saturday: nothing of it in business hours.
    await set(c3, '2026-03-07T15:00:00Z', 600, null);
    const rows = (await call(owner, 'GET', '/api/reports/conversations?from=2026-03-01&to=2026-03-31&groupBy=channel')).body.items;
    const of = (id: string) => rows.find((r: { key: string }) => r.key === id);
    expect(of(a)).toMatchObject({
      firstResponseP50: 3 * 86400 + 17 * 3600,
      firstResponseBusinessP50: 7200,
      resolutionP50: 3 * 86400 + 18 * 3600,
      resolutionBusinessP50: 10800,
    });
    expect(of(b)).toMatchObject({ firstResponseP50: 2100, firstResponseBusinessP50: 900, firstResponseBusinessP90: 1620 });
  });

  it('owners and admins only; the range and time zone are checked', async () => {
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    expect((await report(agent, '')).body.code).toBe('ROLE_REQUIRED');
    expect((await call(agent, 'GET', '/api/reports/conversations/csv?from=2026-03-01&to=2026-03-02')).body.code).toBe('ROLE_REQUIRED');
    // Refused input on the CSV route is a JSON error, not a download (it was a 500: the route's text/csv type stood).
    const refused = await call(owner, 'GET', '/api/reports/conversations/csv?from=yesterday&to=2026-03-02');
    expect(refused.status).toBe(400);
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(refused.headers['content-disposition']).toBeUndefined();
    for (const q of [
      'from=2026-03-02&to=2026-03-01',
      'from=2025-01-01&to=2026-03-01',
      'from=2026-03-01&to=2026-03-02&timeZone=Mars/Olympus',
      'from=2026-03-01&to=2026-03-02&groupBy=week',
      'from=yesterday&to=2026-03-02',
      'to=2026-03-02',
    ])
      expect([q, (await call(owner, 'GET', `/api/reports/conversations?${q}`)).body.code]).toEqual([q, 'VALIDATION_FAILED']);
  });
});
