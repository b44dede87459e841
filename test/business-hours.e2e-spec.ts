import { randomUUID } from 'node:crypto';
import { Clock } from '../libs/domain/src';
import { AutoReplier } from '../src/business-hours/auto-replier.service';
import { TestApp, TestTenant } from './support/test-app';

/**
 * Business hours per channel or team, read in their own time zone with holidays; the
 * out-of-office reply goes once per conversation and closed period, the greeting once before
 * anyone answered; both are queued through the normal outbound path, so a channel's rules (the
 * WhatsApp window) apply to them as to an agent's reply. The clock is fake.
 */
describe('business hours and automatic replies', () => {
  let t: TestApp;
  let now: Date;
  beforeAll(async () => {
    t = await TestApp.start();
    jest.spyOn(t.app.get(Clock), 'now').mockImplementation(() => now);
  });
  afterAll(() => t.close());

  const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });
  const settle = () => t.app.get(AutoReplier).settled();
  const OOO = 'We are closed; we answer from 09:00 Moscow time.';
  const GREETING = 'Hello! An agent will be with you shortly.';
  const weekdays = (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({ day, open: '09:00', close: '18:00' }));
  const schedule = { timeZone: 'Europe/Moscow', weekly: weekdays, holidays: ['2026-03-09'], outOfOfficeReply: OOO, greeting: GREETING };

  /** The contact writes at `at` (the clock is there too); answers the conversation. */
  async function writes(owner: TestTenant, channelId: string, contact: string, at: string, over: Record<string, unknown> = {}) {
    now = new Date(at);
    const r = await t.inbound(owner, channelId, { externalContactId: contact, sentAt: now, ...over });
    await settle();
    return r.conversation.id;
  }
  const autoReplies = async (owner: TestTenant, conversationId: string) =>
    (await call(owner, 'GET', `/api/conversations/${conversationId}/messages`)).body.items
      .filter((m: { direction: string; autoReply: boolean }) => m.direction === 'outbound' && m.autoReply)
      .map((m: { text: string; status: string; authorId: string | null }) => [m.text, m.status, m.authorId]);

  it('owners and admins set one schedule per channel or team; agents read them; other organizations get 404', async () => {
    now = new Date('2026-03-06T10:00:00Z'); // Friday 13:00 in Moscow
    const owner = await t.signup();
    const agent = await t.addUser(owner, 'agent');
    const channelId = await t.createChannel(owner);
    const created = await call(owner, 'POST', '/api/business-hours', { channelId, ...schedule });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      channelId,
      teamId: null,
      ...schedule,
      openNow: true,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
    });
    const id = created.body.id;
    expect((await call(owner, 'POST', '/api/business-hours', { channelId, ...schedule })).body.code).toBe('BUSINESS_HOURS_EXIST');
    for (const bad of [
      { ...schedule, timeZone: 'Mars/Olympus', channelId },
      { ...schedule, weekly: [{ day: 'mon', open: '18:00', close: '09:00' }], channelId },
      { ...schedule, weekly: [{ day: 'funday', open: '09:00', close: '18:00' }], channelId },
      { ...schedule, holidays: ['next tuesday'], channelId },
      { ...schedule },
      { ...schedule, channelId, teamId: randomUUID() },
    ])
      expect((await call(owner, 'POST', '/api/business-hours', bad)).body.code).toBe('VALIDATION_FAILED');
    expect((await call(owner, 'POST', '/api/business-hours', { ...schedule, channelId: randomUUID() })).body.code).toBe('CHANNEL_NOT_FOUND');
    expect((await call(owner, 'POST', '/api/business-hours', { ...schedule, teamId: randomUUID() })).body.code).toBe('TEAM_NOT_FOUND');

    expect((await call(agent, 'GET', '/api/business-hours')).body.items.map((h: { id: string }) => h.id)).toEqual([id]);
    expect((await call(agent, 'PATCH', `/api/business-hours/${id}`, { greeting: null })).body.code).toBe('ROLE_REQUIRED');
    expect((await call(agent, 'DELETE', `/api/business-hours/${id}`)).body.code).toBe('ROLE_REQUIRED');
    const patched = await call(owner, 'PATCH', `/api/business-hours/${id}`, { greeting: null, timeZone: 'America/New_York' });
    // 10:00 UTC is 05:00 in New York: closed there.
    expect(patched.body).toMatchObject({ greeting: null, timeZone: 'America/New_York', outOfOfficeReply: OOO, openNow: false });
    expect((await call(owner, 'PATCH', `/api/business-hours/${id}`, {})).body.code).toBe('EMPTY_PATCH');

    const other = await t.signup();
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { greeting: 'hi' }],
      ['DELETE', undefined],
    ] as const)
      expect((await call(other, method, `/api/business-hours/${id}`, body)).body.code).toBe('BUSINESS_HOURS_NOT_FOUND');
    expect((await call(other, 'GET', '/api/business-hours')).body.items).toEqual([]);
    expect((await call(other, 'POST', '/api/business-hours', { ...schedule, channelId })).body.code).toBe('CHANNEL_NOT_FOUND');
    expect((await call(owner, 'DELETE', `/api/business-hours/${id}`)).status).toBe(204);
    expect((await call(owner, 'GET', `/api/business-hours/${id}`)).body.code).toBe('BUSINESS_HOURS_NOT_FOUND');
  });

  it('the out-of-office reply goes once per closed period, queued like any reply; not while open', async () => {
    const owner = await t.signup();
    const channelId = await t.createChannel(owner);
    now = new Date('2026-03-06T10:00:00Z');
    await call(owner, 'POST', '/api/business-hours', { channelId, ...schedule, greeting: null });

    // Friday 23:00 Moscow: closed. Then Saturday and Sunday: the same closed period.
    const id = await writes(owner, channelId, 'psid-night', '2026-03-06T20:00:00Z');
    expect(await autoReplies(owner, id)).toEqual([[OOO, 'queued', null]]);
    await writes(owner, channelId, 'psid-night', '2026-03-07T09:00:00Z');
    await writes(owner, channelId, 'psid-night', '2026-03-08T21:00:00Z');
    expect((await autoReplies(owner, id)).length).toBe(1);
    // Monday 9 March is a holiday: still closed since Friday.
    await writes(owner, channelId, 'psid-night', '2026-03-09T08:00:00Z');
    expect((await autoReplies(owner, id)).length).toBe(1);
    // Tuesday 10:00 Moscow: open, no reply. Tuesday 19:00: a new closed period, a new reply.
    await writes(owner, channelId, 'psid-night', '2026-03-10T07:00:00Z');
    expect((await autoReplies(owner, id)).length).toBe(1);
    await writes(owner, channelId, 'psid-night', '2026-03-10T16:00:00Z');
    expect(await autoReplies(owner, id)).toEqual([
      [OOO, 'queued', null],
      [OOO, 'queued', null],
    ]);
  });

  it("the greeting goes once to a new conversation while open; a team's schedule applies where the channel has none", async () => {
    const owner = await t.signup();
    const channelId = await t.createChannel(owner);
    now = new Date('2026-03-06T10:00:00Z');
    const team = (await call(owner, 'POST', '/api/teams', { name: 'Support', channelIds: [channelId] })).body.id;
    await call(owner, 'POST', '/api/business-hours', { teamId: team, ...schedule });

    const id = await writes(owner, channelId, 'psid-day', '2026-03-10T07:00:00Z'); // Tuesday 10:00 Moscow
    await writes(owner, channelId, 'psid-day', '2026-03-10T07:05:00Z');
    expect(await autoReplies(owner, id)).toEqual([[GREETING, 'queued', null]]);

    // The channel's own schedule wins: open around the clock, no greeting.
    await call(owner, 'POST', '/api/business-hours', {
      channelId,
      timeZone: 'UTC',
      weekly: (['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const).map((day) => ({ day, open: '00:00', close: '24:00' })),
      outOfOfficeReply: OOO,
    });
    const late = await writes(owner, channelId, 'psid-late', '2026-03-10T20:00:00Z');
    expect(await autoReplies(owner, late)).toEqual([]);
  });

  it('a batch of conversations (the inbound processor hands over many at once) answers only those under a schedule', async () => {
    const owner = await t.signup();
    const [open, scheduled] = [await t.createChannel(owner), await t.createChannel(owner)];
    now = new Date('2026-03-06T10:00:00Z');
    await call(owner, 'POST', '/api/business-hours', { channelId: scheduled, ...schedule, greeting: null });
    now = new Date('2026-03-06T20:00:00Z'); // Friday 23:00 Moscow: closed
    const ids = [];
    for (const [channelId, contact] of [
      [open, 'psid-batch-1'],
      [scheduled, 'psid-batch-2'],
      [open, 'psid-batch-3'],
      [scheduled, 'psid-batch-4'],
    ])
      ids.push((await t.inbound(owner, channelId, { externalContactId: contact, sentAt: now, noAutoAnswer: true })).conversation.id);
    await settle();
    expect(await t.app.get(AutoReplier).reply(owner, ids)).toBe(2);
    expect(await Promise.all(ids.map((id) => autoReplies(owner, id)))).toEqual([[], [[OOO, 'queued', null]], [], [[OOO, 'queued', null]]]);
  });

  it("respects the channel's rules: no reply outside the WhatsApp window, and the next message in the window gets it", async () => {
    const owner = await t.signup();
    const channelId = await t.createChannel(owner, 'whatsapp');
    now = new Date('2026-03-06T10:00:00Z');
    await call(owner, 'POST', '/api/business-hours', { channelId, ...schedule });
    // A message the platform delivers 25 hours late (a retried webhook): the window is closed.
    now = new Date('2026-03-07T21:00:00Z');
    const wa = { channelKind: 'whatsapp', externalContactId: '+15550001111' };
    const id = (await t.inbound(owner, channelId, { ...wa, sentAt: new Date('2026-03-06T20:00:00Z') })).conversation.id;
    await settle();
    expect(await autoReplies(owner, id)).toEqual([]);
    // The contact writes again: the window is open, the closed period's reply goes now.
    await writes(owner, channelId, '+15550001111', '2026-03-07T21:30:00Z', { channelKind: 'whatsapp' });
    expect(await autoReplies(owner, id)).toEqual([[OOO, 'queued', null]]);
  });
});
