import { randomUUID } from 'node:crypto';
import { HttpResult, TestApp, TestTenant } from './support/test-app';

/**
 * Every bad request gets a 4xx with exactly {statusCode, code, message} and a stable code, and
 * nothing is written: the conversation, its messages and its notes stay as they were.
 */
describe('bad input', () => {
  let t: TestApp;
  let owner: TestTenant;
  let conversationId: string;
  let contactId: string;
  /** nextCursor values the API really returned, to tamper with. */
  let realCursors: { conversations: string; messages: string };
  let baseline: Snapshot;

  interface Snapshot {
    conversation: unknown;
    messageIds: string[];
    noteIds: string[];
  }

  const snapshot = async (): Promise<Snapshot> => {
    const [conversation, messages, notes] = await Promise.all([
      t.request('GET', `/api/conversations/${conversationId}`, { token: owner.token }),
      t.request('GET', `/api/conversations/${conversationId}/messages?limit=100`, { token: owner.token }),
      t.request('GET', `/api/conversations/${conversationId}/notes`, { token: owner.token }),
    ]);
    return {
      conversation: conversation.body,
      messageIds: messages.body.items.map((m: { id: string }) => m.id),
      noteIds: notes.body.items.map((n: { id: string }) => n.id),
    };
  };

  /** The error body is exactly {statusCode, code, message}, nothing more, nothing less. */
  const expectApiError = (res: HttpResult, status: number, code: string) => {
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(Object.keys(res.body).sort()).toEqual(['code', 'message', 'statusCode']);
    expect(res.body).toEqual({ statusCode: status, code, message: expect.any(String) });
    expect(res.body.message.length).toBeGreaterThan(0);
    expect(res.status).toBe(status);
  };

  const expectNothingWritten = async () => {
    expect(await snapshot()).toEqual(baseline);
  };

  const b64 = (value: unknown) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
  const unb64 = (cursor: string) => JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));

  beforeAll(async () => {
    t = await TestApp.start();
    owner = await t.signup();
    const channelId = await t.createChannel(owner);
    const externalContactId = `psid-${randomUUID()}`;
    const first = await t.inbound(owner, channelId, { externalContactId, text: 'first', sentAt: new Date(Date.now() - 60_000) });
    await t.inbound(owner, channelId, { externalContactId, text: 'second' });
    conversationId = first.conversation.id;
    contactId = first.conversation.contactId;
    await t.inbound(owner, channelId, { text: 'another End User' });
    const note = await t.request('POST', `/api/conversations/${conversationId}/notes`, { token: owner.token, body: { text: 'baseline note' } });
    expect(note.status).toBe(201);

    const conversations = await t.request('GET', '/api/conversations?limit=1', { token: owner.token });
    const messages = await t.request('GET', `/api/conversations/${conversationId}/messages?limit=1`, { token: owner.token });
    realCursors = { conversations: conversations.body.nextCursor, messages: messages.body.nextCursor };
    expect(realCursors.conversations).toEqual(expect.any(String));
    expect(realCursors.messages).toEqual(expect.any(String));

    baseline = await snapshot();
    expect(baseline.messageIds).toHaveLength(2);
    expect(baseline.noteIds).toHaveLength(1);
  });
  afterAll(() => t.close());

  /** Paths are written with `:id`, filled with the baseline conversation when the test runs. */
  const at = (path: string) => path.replace(':contactId', contactId).replace(':id', conversationId);
  const writes = [
    ['POST', '/api/conversations/:id/messages'],
    ['POST', '/api/conversations/:id/notes'],
    ['PATCH', '/api/conversations/:id'],
  ] as const;

  describe('malformed JSON -> 400 MALFORMED_JSON', () => {
    const bodies = [
      ['truncated', '{"text": "hi"'],
      ['unquoted key', '{text: "hi"}'],
      ['single quotes', "{'text': 'hi'}"],
      ['trailing comma', '{"text": "hi",}'],
      ['not JSON at all', 'hello'],
      ['prototype poisoning', '{"text": "hi", "__proto__": {"isAdmin": true}}'],
    ] as const;
    it.each(writes.flatMap(([method, url]) => bodies.map(([name, body]) => [method, url, name, body] as const)))(
      '%s %s with %s',
      async (method, url, _name, body) => {
        const res = await t.request(method, at(url), { token: owner.token, body });
        expectApiError(res, 400, 'MALFORMED_JSON');
        await expectNothingWritten();
      },
    );

    it('an empty body declared as JSON', async () => {
      const res = await t.request('POST', `/api/conversations/${conversationId}/messages`, {
        token: owner.token,
        body: '',
        headers: { 'content-type': 'application/json' },
      });
      expectApiError(res, 400, 'MALFORMED_JSON');
      await expectNothingWritten();
    });

    it('is refused before authentication is even looked at, with the same shape', async () => {
      const res = await t.request('POST', `/api/conversations/${conversationId}/messages`, { body: '{"text":' });
      // The body is parsed before the guard runs; either answer is a stable 4xx of the usual shape.
      expect([400, 401]).toContain(res.status);
      expect(Object.keys(res.body).sort()).toEqual(['code', 'message', 'statusCode']);
      expect(res.body.code).toBe(res.status === 400 ? 'MALFORMED_JSON' : 'UNAUTHENTICATED');
      await expectNothingWritten();
    });
  });

  describe('wrong types and values -> 400 VALIDATION_FAILED', () => {
    const cases: [string, string, string, unknown][] = [
      ['POST', '/api/conversations/:id/messages', 'text: 123', { text: 123 }],
      ['POST', '/api/conversations/:id/messages', 'text: null', { text: null }],
      ['POST', '/api/conversations/:id/messages', 'text: an array', { text: ['hi'] }],
      ['POST', '/api/conversations/:id/messages', 'text: an object', { text: { value: 'hi' } }],
      ['POST', '/api/conversations/:id/messages', 'text: true', { text: true }],
      ['POST', '/api/conversations/:id/messages', 'text: empty', { text: '' }],
      ['POST', '/api/conversations/:id/messages', 'text: 4097 characters', { text: 'x'.repeat(4097) }],
      ['POST', '/api/conversations/:id/messages', 'no text', {}],
      ['POST', '/api/conversations/:id/messages', 'an array body', []],
      ['POST', '/api/conversations/:id/messages', 'a string body', '"hi"'],
      ['POST', '/api/conversations/:id/messages', 'a number body', '42'],
      ['POST', '/api/conversations/:id/notes', 'text: 123', { text: 123 }],
      ['POST', '/api/conversations/:id/notes', 'text: empty', { text: '' }],
      ['POST', '/api/conversations/:id/notes', 'text: 10001 characters', { text: 'x'.repeat(10001) }],
      ['POST', '/api/conversations/:id/notes', 'no text', {}],
      ['PATCH', '/api/conversations/:id', 'status: 5', { status: 5 }],
      ['PATCH', '/api/conversations/:id', 'status: closed', { status: 'closed' }],
      ['PATCH', '/api/conversations/:id', 'status: null', { status: null }],
      ['PATCH', '/api/conversations/:id', 'status: an array', { status: ['resolved'] }],
      ['PATCH', '/api/conversations/:id', 'assigneeId: 123', { assigneeId: 123 }],
      ['PATCH', '/api/conversations/:id', 'assigneeId: not a UUID', { assigneeId: 'agent-1' }],
      ['PATCH', '/api/conversations/:id', 'an array body', [{ status: 'resolved' }]],
      // PostgreSQL cannot store U+0000: refused here, not as a 500 from deep in a write.
      ['POST', '/api/conversations/:id/messages', 'text holding U+0000', { text: 'before\u0000after' }],
      [
        'POST',
        '/api/conversations/:id/messages',
        'a template parameter holding U+0000',
        { template: { name: 'order_update', language: 'en', parameters: ['ok', 'x\u0000'] } },
      ],
      ['POST', '/api/conversations/:id/notes', 'text holding U+0000', { text: '\u0000' }],
    ];
    it.each(cases)('%s %s with %s', async (method, url, _label, body) => {
      const res = await t.request(method, at(url), { token: owner.token, body });
      expectApiError(res, 400, 'VALIDATION_FAILED');
      await expectNothingWritten();
    });
  });

  describe('unknown fields -> 400 VALIDATION_FAILED', () => {
    const cases: [string, string, string, () => Record<string, unknown>][] = [
      ['POST', 'foo', '/api/conversations/:id/messages', () => ({ text: 'hi', foo: 1 })],
      ['POST', 'authorId', '/api/conversations/:id/messages', () => ({ text: 'hi', authorId: randomUUID() })],
      ['POST', 'status', '/api/conversations/:id/messages', () => ({ text: 'hi', status: 'delivered' })],
      ['POST', 'tenantId', '/api/conversations/:id/messages', () => ({ text: 'hi', tenantId: randomUUID() })],
      ['POST', 'authorId', '/api/conversations/:id/notes', () => ({ text: 'hi', authorId: randomUUID() })],
      ['PATCH', 'contactId', '/api/conversations/:id', () => ({ status: 'resolved', contactId: randomUUID() })],
      ['PATCH', 'lastMessageAt', '/api/conversations/:id', () => ({ lastMessageAt: new Date().toISOString() })],
    ];
    it.each(cases)('%s with an unknown field %s', async (method, field, url, body) => {
      const res = await t.request(method, at(url), { token: owner.token, body: body() });
      expectApiError(res, 400, 'VALIDATION_FAILED');
      expect(res.body.message).toContain(field);
      await expectNothingWritten();
    });
  });

  describe('oversize body -> 413 PAYLOAD_TOO_LARGE', () => {
    it.each(writes)('%s %s with a body over 1 MiB', async (method, url) => {
      const body = JSON.stringify({ text: 'x'.repeat(1024 * 1024) });
      expect(Buffer.byteLength(body)).toBeGreaterThan(1024 * 1024);
      const res = await t.request(method, at(url), { token: owner.token, body });
      expectApiError(res, 413, 'PAYLOAD_TOO_LARGE');
      await expectNothingWritten();
    });
  });

  describe('non-JSON content type -> 415 UNSUPPORTED_MEDIA_TYPE', () => {
    const types = [
      ['text/plain', 'hi there'],
      ['text/plain', '{"text":"hi there"}'],
      ['application/x-www-form-urlencoded', 'text=hi+there'],
      ['multipart/form-data; boundary=XyZ', '--XyZ\r\nContent-Disposition: form-data; name="text"\r\n\r\nhi there\r\n--XyZ--\r\n'],
      ['application/xml', '<text>hi there</text>'],
      ['', '{"text":"hi there"}'],
    ] as const;
    it.each(writes.flatMap(([method, url]) => types.map(([type, body]) => [method, url, type, body] as const)))(
      '%s %s as "%s"',
      async (method, url, type, body) => {
        const res = await t.request(method, at(url), { token: owner.token, body, headers: { 'content-type': type } });
        expectApiError(res, 415, 'UNSUPPORTED_MEDIA_TYPE');
        await expectNothingWritten();
      },
    );

    it('a body without any content-type header', async () => {
      const res = await t.app.inject({
        method: 'POST',
        url: `/api/conversations/${conversationId}/notes`,
        headers: { authorization: `Bearer ${owner.token}` },
        payload: Buffer.from('{"text":"hi there"}'),
      });
      const body = JSON.parse(res.body);
      expectApiError({ status: res.statusCode, body, headers: res.headers }, 415, 'UNSUPPORTED_MEDIA_TYPE');
      await expectNothingWritten();
    });
  });

  describe('bad cursors -> 400 INVALID_CURSOR', () => {
    const tamperedId = (cursor: string) => b64([unb64(cursor)[0], "1' or '1'='1"]);
    const cursors: [string, (real: string) => string][] = [
      ['garbage', () => '!!!not-a-cursor!!!'],
      ['plain word', () => 'garbage'],
      ['base64 of text', () => b64('hello')],
      ['base64 of an object', () => b64({ at: 1, id: randomUUID() })],
      ['base64 of numbers', () => b64([1, 2])],
      ['base64 of null', () => b64('null')],
      ['bad date', (real) => b64(['yesterday', unb64(real)[1]])],
      ['date PostgreSQL cannot store', (real) => b64(['-010000-01-01T00:00:00.000Z', unb64(real)[1]])],
      ['tampered id', (real) => tamperedId(real)],
      ['truncated', (real) => real.slice(0, real.length - 10)],
      ['overlong', () => 'A'.repeat(500)],
    ];
    const lists: [string, string, () => string][] = [
      ['conversations', '/api/conversations', () => realCursors.conversations],
      ['messages', '/api/conversations/:id/messages', () => realCursors.messages],
    ];
    it.each(lists.flatMap(([list, url, real]) => cursors.map(([name, make]) => [list, name, url, real, make] as const)))(
      '%s list with a %s cursor',
      async (_list, _name, url, real, make) => {
        const res = await t.request('GET', `${at(url)}?cursor=${encodeURIComponent(make(real()))}`, { token: owner.token });
        expectApiError(res, 400, 'INVALID_CURSOR');
      },
    );

    it('the real cursors do work, so the failures above are about the tampering', async () => {
      const conversations = await t.request('GET', `/api/conversations?limit=1&cursor=${realCursors.conversations}`, { token: owner.token });
      expect(conversations.status).toBe(200);
      expect(conversations.body.items).toHaveLength(1);
      const messages = await t.request('GET', `/api/conversations/${conversationId}/messages?limit=1&cursor=${realCursors.messages}`, { token: owner.token });
      expect(messages.status).toBe(200);
      expect(messages.body.items).toHaveLength(1);
      expect(messages.body.nextCursor).toBeNull();
    });
  });

  describe('bad limits and filters -> 400 VALIDATION_FAILED', () => {
    const queries = ['limit=0', 'limit=101', 'limit=abc', 'limit=-1', 'limit=1.5', 'limit=', 'limit=1&limit=2', 'cursor=a&cursor=b', 'unknown=1'];
    it.each(
      queries.flatMap(
        (q) =>
          [
            ['/api/conversations', q],
            ['/api/conversations/:id/messages', q],
          ] as const,
      ),
    )('%s?%s', async (path, query) => {
      const res = await t.request('GET', `${at(path)}?${query}`, { token: owner.token });
      expectApiError(res, 400, 'VALIDATION_FAILED');
    });

    it.each(['status=closed', 'status=', 'channelId=not-a-uuid', 'assigneeId=123', 'status=open&status=resolved'])('/api/conversations?%s', async (query) => {
      const res = await t.request('GET', `/api/conversations?${query}`, { token: owner.token });
      expectApiError(res, 400, 'VALIDATION_FAILED');
    });
  });

  describe('non-UUID ids in paths -> 400 INVALID_ID', () => {
    const ids = ['123', 'not-a-uuid', "1'%20or%20'1'='1", `${randomUUID()}x`, '00000000-0000-0000-0000-00000000000g'];
    const routes: [string, (id: string) => string, unknown][] = [
      ['GET', (id) => `/api/conversations/${id}`, undefined],
      ['PATCH', (id) => `/api/conversations/${id}`, { status: 'resolved' }],
      ['GET', (id) => `/api/conversations/${id}/messages`, undefined],
      ['POST', (id) => `/api/conversations/${id}/messages`, { text: 'hi' }],
      ['GET', (id) => `/api/conversations/${id}/notes`, undefined],
      ['POST', (id) => `/api/conversations/${id}/notes`, { text: 'hi' }],
      ['GET', (id) => `/api/contacts/${id}`, undefined],
    ];
    it.each(routes.flatMap(([method, url, body]) => ids.map((id) => [method, url(id), body] as const)))('%s %s', async (method, url, body) => {
      const res = await t.request(method, url, { token: owner.token, body });
      expectApiError(res, 400, 'INVALID_ID');
      await expectNothingWritten();
    });
  });

  describe('unknown routes -> 404 NOT_FOUND', () => {
    it.each([
      ['GET', '/api/nope'],
      ['GET', '/api/conversation'],
      ['PATCH', '/api/conversations'],
      ['DELETE', '/api/conversations/:id'],
      ['PUT', '/api/conversations/:id'],
      ['GET', '/api/conversations/:id/attachments'],
      ['DELETE', '/api/conversations/:id/messages'],
      ['GET', '/api/contacts/:contactId/identities'],
    ] as const)('%s %s', async (method, url) => {
      const res = await t.request(method, at(url), { token: owner.token });
      expectApiError(res, 404, 'NOT_FOUND');
      await expectNothingWritten();
    });

    it('answers the same without a token', async () => {
      const res = await t.request('GET', '/api/nope');
      expectApiError(res, 404, 'NOT_FOUND');
    });
  });

  describe('well-formed requests for what does not exist or is not allowed', () => {
    it('an unknown conversation id -> 404 CONVERSATION_NOT_FOUND, and nothing is written', async () => {
      const res = await t.request('POST', `/api/conversations/${randomUUID()}/messages`, { token: owner.token, body: { text: 'hi' } });
      expectApiError(res, 404, 'CONVERSATION_NOT_FOUND');
      await expectNothingWritten();
    });

    it('no token or a forged one -> 401 UNAUTHENTICATED, and nothing is written', async () => {
      const none = await t.request('POST', `/api/conversations/${conversationId}/notes`, { body: { text: 'hi' } });
      expectApiError(none, 401, 'UNAUTHENTICATED');
      const forged = await t.request('POST', `/api/conversations/${conversationId}/messages`, { token: `${owner.token}x`, body: { text: 'hi' } });
      expectApiError(forged, 401, 'UNAUTHENTICATED');
      await expectNothingWritten();
    });
  });

  describe('the same requests, well formed, succeed', () => {
    // A tenant of its own, so the baseline above is untouched.
    it('JSON with a charset parameter is accepted and written', async () => {
      const other = await t.signup();
      const channelId = await t.createChannel(other);
      const { conversation } = await t.inbound(other, channelId);
      const res = await t.request('POST', `/api/conversations/${conversation.id}/messages`, {
        token: other.token,
        body: JSON.stringify({ text: 'hi there' }),
        headers: { 'content-type': 'application/json; charset=utf-8' },
      });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ direction: 'outbound', status: 'queued', text: 'hi there' });
      const messages = await t.request('GET', `/api/conversations/${conversation.id}/messages`, { token: other.token });
      expect(messages.body.items).toHaveLength(2);
    });
  });
});
