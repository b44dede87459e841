import type { AddressInfo } from 'node:net';
import { Clock } from '../libs/domain/src';
import { SnoozeWakeJob } from '../src/conversations/snooze-wake.job';
import { mentionsIn } from '../src/conversations/agent-notices.service';
import { ChannelService } from '../src/channels/core/channel.service';
import { SseReader } from './support/sse-reader';
import { TestApp, TestTenant } from './support/test-app';

/**
 * What an agent's day needs beside the list: their own notifications (assigned, mentioned, a new
 * message), snoozing until a time, and canned responses rendered when sent.
 */
describe('agent workspace', () => {
  let t: TestApp;
  let base: string;
  const open: SseReader[] = [];
  beforeAll(async () => {
    t = await TestApp.start();
    await t.app.listen(0, '127.0.0.1');
    base = `http://127.0.0.1:${(t.app.getHttpServer().address() as AddressInfo).port}`;
  });
  afterEach(() => {
    open.splice(0).forEach((r) => r.close());
    jest.restoreAllMocks();
  });
  afterAll(() => t.close());

  const call = (who: TestTenant, method: string, url: string, body?: unknown) => t.request(method, url, { token: who.token, body });
  const notifications = async (who: TestTenant, query = '') => {
    const res = await call(who, 'GET', `/api/notifications${query}`);
    expect(res.status).toBe(200);
    return res.body.items as Array<{
      id: string;
      kind: string;
      conversationId: string | null;
      actorId: string | null;
      readAt: string | null;
      userId: string | null;
    }>;
  };
  const stream = async (who: TestTenant) => {
    const r = await SseReader.open(`${base}/api/events`, { authorization: `Bearer ${who.token}` });
    open.push(r);
    return r;
  };

  async function team() {
    const owner = await t.signup();
    const ann = await t.addUser(owner, 'agent');
    const ben = await t.addUser(owner, 'agent');
    const channelId = await t.createChannel(owner);
    const first = await t.inbound(owner, channelId, { contactName: 'Alice', externalContactId: 'psid-alice', text: 'hi' });
    return { owner, ann, ben, channelId, conversation: first.conversation.id };
  }

  describe('notifications', () => {
    it('finds mentions by id and by e-mail address, not in the middle of an address', () => {
      const id = '4f1c2a3b-1111-4222-8333-444455556666';
      expect(mentionsIn(`@${id.toUpperCase()}, and @ann@shop.example. cc bob@shop.example (@carol@shop.example)`)).toEqual({
        ids: [id],
        emails: ['ann@shop.example', 'carol@shop.example'],
      });
      expect(mentionsIn('no mentions @ here, nor@there')).toEqual({ ids: [], emails: [] });
    });

    it('assigned to you, mentioned in a note, a new message in your conversation: each reaches that agent only, live too', async () => {
      const { owner, ann, ben, channelId, conversation } = await team();
      const annStream = await stream(ann);
      const benStream = await stream(ben);

      expect((await call(owner, 'PATCH', `/api/conversations/${conversation}`, { assigneeId: ann.userId })).status).toBe(200);
      const assigned = await notifications(ann);
      expect(assigned).toEqual([
        expect.objectContaining({
          kind: 'conversation.assigned',
          conversationId: conversation,
          actorId: owner.userId,
          userId: ann.userId,
          readAt: null,
          message: expect.any(String),
        }),
      ]);
      expect((await annStream.next((f) => f.event === 'notification.created')).data.data).toMatchObject({ kind: 'conversation.assigned', userId: ann.userId });
      expect(await notifications(ben)).toEqual([]);
      // Assigning to oneself tells nobody.
      await call(ben, 'PATCH', `/api/conversations/${conversation}`, { assigneeId: ben.userId });
      expect(await notifications(ben)).toEqual([]);
      await call(owner, 'PATCH', `/api/conversations/${conversation}`, { assigneeId: ann.userId });

      await call(ann, 'POST', `/api/conversations/${conversation}/notes`, {
        text: `@${ben.email.toUpperCase()} can you check? also @${ann.userId} and @nobody@example.test`,
      });
      const mention = (await notifications(ben)).find((n) => n.kind === 'note.mention');
      expect(mention).toMatchObject({ conversationId: conversation, actorId: ann.userId });
      expect((await notifications(ann)).filter((n) => n.kind === 'note.mention')).toEqual([]); // not the author
      await call(owner, 'POST', `/api/conversations/${conversation}/notes`, { text: `ping @${ben.userId}` });
      expect((await notifications(ben)).filter((n) => n.kind === 'note.mention')).toHaveLength(2);

      // A new message for the assignee: once until they read that notification.
      await t.inbound(owner, channelId, { externalContactId: 'psid-alice', text: 'anyone?' });
      await t.inbound(owner, channelId, { externalContactId: 'psid-alice', text: 'hello??' });
      const messages = (await notifications(ann)).filter((n) => n.kind === 'conversation.message');
      expect(messages).toHaveLength(1);
      expect(messages[0]).toMatchObject({ conversationId: conversation, userId: ann.userId });
      expect((await notifications(ben)).filter((n) => n.kind === 'conversation.message')).toEqual([]);
      expect(JSON.stringify(await notifications(ann))).not.toMatch(/anyone|hello|Alice/);

      // Ben's stream never carried Ann's notifications.
      const benSaw = (await benStream.pending()).filter((f) => f.event === 'notification.created').map((f) => f.data.data.userId);
      expect(benSaw.every((u: string) => u === ben.userId)).toBe(true);

      // Read one, then the rest; unread=true follows.
      expect((await call(ann, 'POST', `/api/notifications/${messages[0].id}/read`)).body).toMatchObject({ id: messages[0].id, readAt: expect.any(String) });
      await t.inbound(owner, channelId, { externalContactId: 'psid-alice', text: 'still there?' });
      expect((await notifications(ann, '?unread=true')).map((n) => n.kind).sort()).toEqual([
        'conversation.assigned',
        'conversation.assigned',
        'conversation.message',
      ]);
      expect((await call(ann, 'POST', '/api/notifications/read-all')).body).toEqual({ marked: 3 });
      expect(await notifications(ann, '?unread=true')).toEqual([]);
      expect((await notifications(ben, '?unread=true')).length).toBe(2);
    });

    it("another agent's or organization's notification answers 404; operators and bad ids are refused", async () => {
      const { owner, ann, ben, conversation } = await team();
      await call(owner, 'PATCH', `/api/conversations/${conversation}`, { assigneeId: ann.userId });
      const [theirs] = await notifications(ann);
      expect((await call(ben, 'POST', `/api/notifications/${theirs.id}/read`)).body).toMatchObject({ statusCode: 404, code: 'NOTIFICATION_NOT_FOUND' });
      const other = await t.signup();
      expect((await call(other, 'POST', `/api/notifications/${theirs.id}/read`)).status).toBe(404);
      expect((await call(other, 'POST', '/api/notifications/read-all')).body).toEqual({ marked: 0 });
      expect((await call(ann, 'POST', '/api/notifications/nope/read')).body.code).toBe('INVALID_ID');
      expect((await call(ann, 'GET', '/api/notifications?unread=maybe')).body.code).toBe('VALIDATION_FAILED');
      expect((await notifications(ann))[0].readAt).toBeNull();
    });

    it("the organization's channel notices reach everyone, each with their own read state", async () => {
      const { owner, ann } = await team();
      const channelId = await t.createChannel(owner);
      await t.app.get(ChannelService).markRevoked(owner, channelId, 'test revocation');
      const [notice] = await notifications(ann);
      expect(notice).toMatchObject({ kind: 'channel.revoked', userId: null, channelId, readAt: null });
      await call(ann, 'POST', `/api/notifications/${notice.id}/read`);
      expect((await notifications(ann))[0].readAt).not.toBeNull();
      expect((await notifications(owner))[0].readAt).toBeNull();
    });
  });

  describe('snooze until', () => {
    it('PATCH snoozed with snoozedUntil; the job reopens it when the time comes, not before', async () => {
      const { owner, ann, conversation } = await team();
      const until = new Date(Date.now() + 3 * 3600_000);
      const snoozed = await call(ann, 'PATCH', `/api/conversations/${conversation}`, { status: 'snoozed', snoozedUntil: until.toISOString() });
      expect(snoozed.status).toBe(200);
      expect(snoozed.body).toMatchObject({ status: 'snoozed', snoozedUntil: until.toISOString() });
      const job = t.app.get(SnoozeWakeJob);
      await job.run();
      expect((await call(owner, 'GET', `/api/conversations/${conversation}`)).body.status).toBe('snoozed');

      const clock = t.app.get(Clock);
      jest.spyOn(clock, 'now').mockImplementation(() => new Date(until.getTime() + 1000));
      expect(await job.run()).toBeGreaterThanOrEqual(1);
      expect((await call(owner, 'GET', `/api/conversations/${conversation}`)).body).toMatchObject({ status: 'open', snoozedUntil: null });
    });

    it('an inbound message reopens it earlier; other statuses clear the deadline', async () => {
      const { owner, channelId, conversation } = await team();
      const until = new Date(Date.now() + 24 * 3600_000).toISOString();
      await call(owner, 'PATCH', `/api/conversations/${conversation}`, { status: 'snoozed', snoozedUntil: until });
      await t.inbound(owner, channelId, { externalContactId: 'psid-alice', text: 'wake up' });
      expect((await call(owner, 'GET', `/api/conversations/${conversation}`)).body).toMatchObject({ status: 'open', snoozedUntil: null });

      await call(owner, 'PATCH', `/api/conversations/${conversation}`, { status: 'snoozed', snoozedUntil: until });
      expect((await call(owner, 'PATCH', `/api/conversations/${conversation}`, { status: 'pending' })).body).toMatchObject({
        status: 'pending',
        snoozedUntil: null,
      });
      // Snoozed without a time: until the contact writes.
      expect((await call(owner, 'PATCH', `/api/conversations/${conversation}`, { status: 'snoozed' })).body).toMatchObject({
        status: 'snoozed',
        snoozedUntil: null,
      });
    });

    it('refuses a time in the past, too far ahead, malformed, or without status snoozed', async () => {
      const { owner, conversation } = await team();
      const cases: Array<[unknown, string]> = [
        [{ status: 'snoozed', snoozedUntil: new Date(Date.now() - 60_000).toISOString() }, 'SNOOZE_IN_PAST'],
        [{ status: 'snoozed', snoozedUntil: new Date(Date.now() + 400 * 86400_000).toISOString() }, 'SNOOZE_TOO_FAR'],
        [{ snoozedUntil: new Date(Date.now() + 60_000).toISOString() }, 'SNOOZE_NEEDS_STATUS'],
        [{ status: 'open', snoozedUntil: new Date(Date.now() + 60_000).toISOString() }, 'SNOOZE_NEEDS_STATUS'],
        [{ status: 'snoozed', snoozedUntil: 'tomorrow' }, 'VALIDATION_FAILED'],
        [{ status: 'snoozed', snoozedUntil: '+275760-09-13T00:00:00.000Z' }, 'VALIDATION_FAILED'],
        [{ status: 'snoozed', snoozedUntil: 12 }, 'VALIDATION_FAILED'],
      ];
      for (const [body, code] of cases) {
        const res = await call(owner, 'PATCH', `/api/conversations/${conversation}`, body);
        expect([JSON.stringify(body), res.status, res.body.code]).toEqual([JSON.stringify(body), 400, code]);
      }
      expect((await call(owner, 'GET', `/api/conversations/${conversation}`)).body.status).toBe('open');
    });
  });

  describe('canned responses', () => {
    it('owners and admins write them, agents find them by short code or text; codes are unique whatever the case', async () => {
      const { owner, ann } = await team();
      const created = await call(owner, 'POST', '/api/canned-responses', { shortCode: 'thanks', text: 'Thank you, {{contact.name}}! — {{agent.name}}' });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        shortCode: 'thanks',
        text: 'Thank you, {{contact.name}}! — {{agent.name}}',
        createdAt: expect.any(String),
        updatedAt: expect.any(String),
      });
      expect((await call(owner, 'POST', '/api/canned-responses', { shortCode: 'THANKS', text: 'x' })).body).toMatchObject({
        statusCode: 409,
        code: 'SHORT_CODE_TAKEN',
      });
      const hours = (await call(owner, 'POST', '/api/canned-responses', { shortCode: 'hours', text: 'We are open 9-17, thank you for asking' })).body;
      await call(owner, 'POST', '/api/canned-responses', { shortCode: 'refund', text: 'Refunds take 5 days' });

      expect((await call(ann, 'POST', '/api/canned-responses', { shortCode: 'mine', text: 'x' })).status).toBe(403);
      expect((await call(ann, 'PATCH', `/api/canned-responses/${hours.id}`, { text: 'x' })).status).toBe(403);
      expect((await call(ann, 'DELETE', `/api/canned-responses/${hours.id}`)).status).toBe(403);
      const find = async (q: string) =>
        (await call(ann, 'GET', `/api/canned-responses?q=${encodeURIComponent(q)}`)).body.items.map((c: { shortCode: string }) => c.shortCode);
      expect(await find('')).toEqual(['hours', 'refund', 'thanks']);
      expect(await find('THA')).toEqual(['thanks', 'hours']); // the short-code prefix first, then the text match
      expect(await find('5 days')).toEqual(['refund']);
      expect(await find('%')).toEqual([]);

      expect((await call(owner, 'PATCH', `/api/canned-responses/${hours.id}`, { shortCode: 'Refund' })).body.code).toBe('SHORT_CODE_TAKEN');
      expect((await call(owner, 'PATCH', `/api/canned-responses/${hours.id}`, { text: 'Open 24/7' })).body).toMatchObject({
        shortCode: 'hours',
        text: 'Open 24/7',
      });
      expect((await call(owner, 'PATCH', `/api/canned-responses/${hours.id}`, {})).body.code).toBe('EMPTY_PATCH');
      for (const bad of [
        { shortCode: 'with space', text: 'x' },
        { shortCode: 'x'.repeat(33), text: 'x' },
        { shortCode: 'ok', text: '  ' },
        { shortCode: 'ok', text: 'x'.repeat(4097) },
        { text: 'x' },
      ]) {
        expect((await call(owner, 'POST', '/api/canned-responses', bad)).body.code).toBe('VALIDATION_FAILED');
      }
      expect((await call(owner, 'DELETE', `/api/canned-responses/${hours.id}`)).status).toBe(204);
      expect((await call(owner, 'GET', `/api/canned-responses/${hours.id}`)).body).toMatchObject({ statusCode: 404, code: 'CANNED_RESPONSE_NOT_FOUND' });

      const other = await t.signup();
      for (const [method, body] of [['GET'], ['PATCH', { text: 'stolen' }], ['DELETE']] as const) {
        expect((await call(other, method, `/api/canned-responses/${created.body.id}`, body)).status).toBe(404);
      }
      expect((await call(other, 'GET', '/api/canned-responses')).body.items).toEqual([]);
    });

    it('variables are filled in on send, from a canned response or in typed text', async () => {
      const { owner, ann, conversation } = await team();
      const thanks = (
        await call(owner, 'POST', '/api/canned-responses', { shortCode: 'thanks', text: 'Thank you, {{contact.name}}! {{ agent.name }} {{unknown.thing}}' })
      ).body;
      const sent = await call(ann, 'POST', `/api/conversations/${conversation}/messages`, { cannedResponseId: thanks.id });
      expect(sent.status).toBe(202);
      expect(sent.body.text).toBe(`Thank you, Alice! ${ann.email.split('@')[0]} {{unknown.thing}}`);
      const typed = await call(ann, 'POST', `/api/conversations/${conversation}/messages`, { text: 'Dear {{contact.name}},' });
      expect(typed.body.text).toBe('Dear Alice,');

      const other = await team();
      const theirs = (await call(other.owner, 'POST', '/api/canned-responses', { shortCode: 'x', text: 'theirs' })).body;
      expect((await call(ann, 'POST', `/api/conversations/${conversation}/messages`, { cannedResponseId: theirs.id })).body).toMatchObject({
        statusCode: 404,
        code: 'CANNED_RESPONSE_NOT_FOUND',
      });
      expect((await call(ann, 'POST', `/api/conversations/${conversation}/messages`, { cannedResponseId: thanks.id, text: 'both' })).body.code).toBe(
        'VALIDATION_FAILED',
      );
      expect((await call(ann, 'POST', `/api/conversations/${conversation}/messages`, { cannedResponseId: 'nope' })).body.code).toBe('VALIDATION_FAILED');
      expect((await call(other.owner, 'POST', `/api/conversations/${conversation}/messages`, { cannedResponseId: theirs.id })).status).toBe(404);
    });
  });
});
