import { TestApp, TestTenant } from './support/test-app';

/**
 * Every operation of the OpenAPI document gets hostile input, as the owner and as an agent:
 * deep JSON, lone surrogates, U+0000, huge strings, wrong types, null, arrays for objects,
 * `__proto__` / `constructor` keys, numbers out of range, ids that are not UUIDs or are another
 * tenant's. Nothing may answer 5xx, and every error has the API's shape. The operations come from
 * the document, so a new route is fuzzed without touching this file; seeded, so every run sends
 * the same requests.
 */

interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  example?: unknown;
  minimum?: number;
  minLength?: number;
  maxLength?: number;
  items?: Schema;
  properties?: Record<string, Schema>;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  schema?: Schema;
}

interface Operation {
  method: string;
  path: string;
  parameters: Parameter[];
  body?: Schema;
  /** Whether the document says it needs a bearer token. */
  secured: boolean;
}

interface Case {
  label: string;
  path: Record<string, string>;
  query: string;
  headers: Record<string, string>;
  body?: string;
  /** Differs from the documented request only in fields of its JSON body. */
  inBody?: true;
}

/** mulberry32: small, seeded, good enough to pick cases. */
function seeded(seed: number) {
  let a = seed;
  const next = () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(next() * 16).toString(16)).join('');
  return {
    pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)],
    uuid: () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`,
    address: () => `10.${Math.floor(next() * 250)}.${Math.floor(next() * 250)}.${1 + Math.floor(next() * 250)}`,
  };
}

const safeJson = (text: string): { message?: unknown } | undefined => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** The answer for a URL no route matches. */
const isNoSuchRoute = (status: number, text: string) => status === 404 && /^Cannot [A-Z]+ /.test(String(safeJson(text)?.message));

const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
const HOLE = '\u0001fuzz-hole\u0001';

/** Values put where a body field goes, as raw JSON text (some cannot be written with JSON.stringify). */
const HOSTILE_VALUES: Array<[string, string]> = [
  ['null', 'null'],
  ['true', 'true'],
  ['zero', '0'],
  ['negative', '-1'],
  ['fraction', '0.5'],
  ['1e308', '1e308'],
  ['a number JSON.parse makes Infinity', '1e400'],
  ['beyond 2^53', '9007199254740993'],
  ['empty string', '""'],
  ['blank', '"   "'],
  ['a lone high surrogate', '"x\\ud800"'],
  ['a lone low surrogate', '"\\udc00x"'],
  ['U+0000', '"a\\u0000b"'],
  ['200,000 characters', JSON.stringify('x'.repeat(200_000))],
  ['an emoji', '"😀"'],
  ['a bidi override', '"\\u202egnp.exe"'],
  ['SQL', JSON.stringify("' or '1'='1' --")],
  ['the nil UUID', '"00000000-0000-0000-0000-000000000000"'],
  ['a numeric string', '"123"'],
  ['an empty list', '[]'],
  ['a list of null', '[null]'],
  ['a list of strings', '["a","b"]'],
  ['an empty object', '{}'],
  ['an object', '{"a":1}'],
  ['an object with __proto__', '{"__proto__":{"polluted":true}}'],
  ['an object with constructor.prototype', '{"constructor":{"prototype":{"polluted":true}}}'],
  ['60 levels deep', nested(60)],
  ['5,000 levels deep', nested(5000)],
];

const LONE_SURROGATE = HOSTILE_VALUES.find(([label]) => label === 'a lone high surrogate')!;

/** For fields that hold ids: another tenant's. */
const otherTenantValues = (otherIds: string[]): Array<[string, string]> => otherIds.map((id, i) => [`another tenant's id #${i}`, JSON.stringify(id)]);

/** Values put where a path, query or header parameter goes (already URL-encoded for paths and queries). */
const hostileParams = (otherIds: string[], uuid: () => string): Array<[string, string]> => [
  ['empty', ''],
  ['a space', '%20'],
  ['zero', '0'],
  ['negative', '-1'],
  ['fraction', '1.5'],
  ['1e309', '1e309'],
  ['huge number', '99999999999999999999999999'],
  ['NaN', 'NaN'],
  ['true', 'true'],
  ['null', 'null'],
  ['brackets', '%5B%5D'],
  ['braces', '%7B%7D'],
  ['U+0000', 'a%00b'],
  ['a lone surrogate in CESU-8', '%ED%A0%80'],
  ['a truncated UTF-8 sequence', '%F0%9F%98'],
  ['an emoji', '%F0%9F%98%80'],
  ['a newline', 'a%0D%0Ab'],
  ['SQL', "1'%20or%20'1'%3D'1"],
  ['a path escape', '..%2F..%2Fetc%2Fpasswd'],
  ['__proto__', '__proto__'],
  ['constructor', 'constructor'],
  ['3,000 characters', 'x'.repeat(3000)],
  ['a random UUID', uuid()],
  ['the nil UUID', '00000000-0000-0000-0000-000000000000'],
  ...otherIds.map((id, i) => [`another tenant's id #${i}`, id] as [string, string]),
];

/** Header values must stay printable ASCII to be sent at all. */
const HOSTILE_HEADERS: Array<[string, string]> = [
  ['empty', ''],
  ['negative', '-1'],
  ['huge number', '99999999999999999999999999'],
  ['8,000 characters', 'x'.repeat(8000)],
  ['a bare Bearer', 'Bearer'],
  ['a forged bearer', `Bearer ${'x'.repeat(40)}.${'y'.repeat(40)}.${'z'.repeat(40)}`],
  ['percent escapes', '%ED%A0%80%00'],
  ['JSON', '{"__proto__":{"x":1}}'],
];

describe('API fuzz from the OpenAPI document', () => {
  let t: TestApp;
  let owner: TestTenant;
  let agent: TestTenant;
  let doc: {
    paths: Record<string, Record<string, { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> }; security?: unknown[] }>>;
    components: { schemas: Record<string, Schema> };
  };
  /** Values that get a request past the parts not being fuzzed (a visitor session, a channel key). */
  const base: Record<string, string> = {};
  let otherIds: string[];

  beforeAll(async () => {
    t = await TestApp.start();
    owner = await t.signup({ organizationName: 'Fuzzed Org (do not type this)' });
    agent = await t.addUser(owner, 'agent');
    const webchat = await t.request('POST', '/api/channels', {
      token: owner.token,
      body: { kind: 'webchat', name: 'Fuzzed chat', config: { allowedOrigins: ['https://shop.example'] }, credentials: {} },
    });
    base.channelKey = webchat.body.config.channelKey;
    const session = await t.request('POST', `/webchat/${base.channelKey}/sessions`, { body: {} });
    base.Authorization = `Bearer ${session.body.token}`;
    base.session = session.body.token;
    await t.inbound(owner, await t.createChannel(owner));

    const other = await t.signup();
    const otherChannel = await t.createChannel(other);
    const { conversation, message } = await t.inbound(other, otherChannel);
    const otherChat = await t.request('POST', '/api/channels', {
      token: other.token,
      body: { kind: 'webchat', name: 'Other chat', config: { allowedOrigins: ['https://other.example'] }, credentials: {} },
    });
    otherIds = [
      conversation.id,
      conversation.contactId,
      message.id,
      otherChannel,
      otherChat.body.id,
      otherChat.body.config.channelKey,
      other.userId,
      other.tenantId,
    ];

    doc = (await t.request('GET', '/docs-json')).body;
  });
  afterAll(() => t.close());

  const resolve = (schema: Schema | undefined): Schema => {
    if (!schema?.$ref) return schema ?? {};
    return resolve(doc.components.schemas[schema.$ref.split('/').pop()!]);
  };

  /** A value the schema would accept, or near enough: the fuzzed field is then the only thing wrong. */
  const sample = (schema: Schema | undefined, name = ''): unknown => {
    const s = resolve(schema);
    if (/url/i.test(name)) return 'https://192.0.2.1/fuzz'; // never a real host: nothing may be looked up
    if (s.example !== undefined) return s.example;
    if (s.enum) return s.enum[0];
    switch (s.type) {
      case 'string':
        return /email/i.test(name) ? 'fuzz@example.test' : 'f'.repeat(Math.min(Math.max(s.minLength ?? 1, 12), s.maxLength ?? 12));
      case 'number':
      case 'integer':
        return s.minimum ?? 1;
      case 'boolean':
        return true;
      case 'array':
        return [sample(s.items, name)];
      default:
        return Object.fromEntries(Object.entries(s.properties ?? {}).map(([k, p]) => [k, sample(p, k)]));
    }
  };

  /** Where a field can be replaced: each property, one level into objects and into a list's first item. */
  const holes = (schema: Schema | undefined, value: unknown, path: Array<string | number> = [], depth = 0): Array<Array<string | number>> => {
    const s = resolve(schema);
    if (depth > 2) return [];
    if (s.type === 'array' && Array.isArray(value)) return holes(s.items, value[0], [...path, 0], depth + 1);
    if (!s.properties || !value || typeof value !== 'object') return [];
    return Object.entries(s.properties).flatMap(([k, p]) => [[...path, k], ...holes(p, (value as Record<string, unknown>)[k], [...path, k], depth + 1)]);
  };

  const withHole = (value: unknown, path: Array<string | number>, raw: string | undefined): string => {
    const copy = structuredClone(value) as Record<string | number, unknown>;
    let at = copy;
    for (const key of path.slice(0, -1)) at = at[key] as Record<string | number, unknown>;
    if (raw === undefined) delete at[path[path.length - 1]];
    else at[path[path.length - 1]] = HOLE;
    return JSON.stringify(copy).replace(JSON.stringify(HOLE), () => raw ?? '');
  };

  const operations = (): Operation[] =>
    Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({
        method: method.toUpperCase(),
        path,
        parameters: op.parameters ?? [],
        body: op.requestBody?.content?.['application/json']?.schema,
        secured: (op.security ?? []).length > 0,
      })),
    );

  function casesOf(op: Operation, rnd: ReturnType<typeof seeded>): Case[] {
    const params = hostileParams(otherIds, rnd.uuid);
    const baseParam = (p: Parameter) => base[p.name] ?? (p.in === 'path' ? rnd.uuid() : undefined);
    const start = (): Case => {
      const c: Case = { label: 'as documented', path: {}, query: '', headers: {} };
      for (const p of op.parameters) {
        const v = baseParam(p);
        if (v === undefined) continue;
        if (p.in === 'path') c.path[p.name] = v;
        if (p.in === 'query') c.query = `${p.name}=${encodeURIComponent(v)}`;
        if (p.in === 'header') c.headers[p.name.toLowerCase()] = v;
      }
      return c;
    };
    const bodyBase = op.body ? JSON.stringify(sample(op.body)) : undefined;
    const cases: Case[] = [{ ...start(), body: bodyBase }];

    for (const p of op.parameters) {
      if (p.in === 'path')
        for (const [label, v] of params) cases.push({ ...start(), label: `path ${p.name}: ${label}`, path: { ...start().path, [p.name]: v }, body: bodyBase });
      if (p.in === 'query') {
        for (const [label, v] of params) cases.push({ ...start(), label: `query ${p.name}: ${label}`, query: `${p.name}=${v}`, body: bodyBase });
        cases.push({ ...start(), label: `query ${p.name} twice`, query: `${p.name}=1&${p.name}=2`, body: bodyBase });
        cases.push({ ...start(), label: `query ${p.name}[]`, query: `${p.name}[]=1&${p.name}[x]=2`, body: bodyBase });
      }
      if (p.in === 'header')
        for (const [label, v] of HOSTILE_HEADERS)
          cases.push({ ...start(), label: `header ${p.name}: ${label}`, headers: { ...start().headers, [p.name.toLowerCase()]: v }, body: bodyBase });
    }
    // Whatever the operation declares, these must not hurt it either.
    cases.push({ ...start(), label: 'prototype keys in the query', query: '__proto__[polluted]=1&constructor[prototype][polluted]=1', body: bodyBase });
    cases.push({ ...start(), label: 'an unknown query parameter', query: `unknown=${'x'.repeat(2000)}`, body: bodyBase });

    const wholeBodies: Array<[string, string]> = [
      ['null', 'null'],
      ['a list', '[]'],
      ['a string', '"x"'],
      ['a number', '42'],
      ['an empty object', '{}'],
      ['5,000 levels deep', nested(5000)],
      ['an object 5,000 levels deep', '{"a":'.repeat(5000) + '1' + '}'.repeat(5000)],
      ['__proto__', '{"__proto__":{"polluted":true}}'],
      ['constructor.prototype', '{"constructor":{"prototype":{"polluted":true}}}'],
      ['a key with a lone surrogate', '{"\\ud800":1}'],
      ['a key with U+0000', '{"\\u0000":1}'],
      ['not JSON', '{"a":'],
      ['900 KB', JSON.stringify({ a: 'x'.repeat(900_000) })],
    ];
    if (bodyBase !== undefined) {
      wholeBodies.push(['the documented body twice, in a list', `[${bodyBase},${bodyBase}]`]);
      const values = HOSTILE_VALUES;
      const sampled = JSON.parse(bodyBase);
      for (const hole of holes(op.body, sampled)) {
        const name = hole.join('.');
        cases.push({ ...start(), label: `body ${name} missing`, body: withHole(sampled, hole, undefined), inBody: true });
        // Every value for a top-level field; a seeded few, always including a lone surrogate, for nested ones.
        const some = hole.length === 1 ? [...values] : [LONE_SURROGATE, ...Array.from({ length: 8 }, () => rnd.pick(values))];
        if (/id$/i.test(String(hole[hole.length - 1]))) some.push(...otherTenantValues(otherIds));
        for (const [label, raw] of some) cases.push({ ...start(), label: `body ${name}: ${label}`, body: withHole(sampled, hole, raw), inBody: true });
      }
      // A few seeded combinations of several bad fields at once.
      const all = holes(op.body, sampled).filter((h) => h.length === 1);
      for (let i = 0; i < 5 && all.length > 1; i++) {
        const combo = JSON.parse(bodyBase);
        const picks = all.map(() => rnd.pick(values));
        all.forEach((h, j) => (combo[h[0]] = HOLE + j));
        let text = JSON.stringify(combo);
        picks.forEach(([, raw], j) => (text = text.replace(JSON.stringify(HOLE + j), () => raw)));
        cases.push({ ...start(), label: `body: ${picks.map(([l]) => l).join(' + ')}`, body: text, inBody: true });
      }
    }
    for (const [label, body] of wholeBodies) cases.push({ ...start(), label: `body: ${label}`, body });
    return cases;
  }

  it('answers every hostile request of every documented operation with a 4xx of the API shape, never a 5xx', async () => {
    const rnd = seeded(0x5eed);
    // What "not covered" looks like, so that the count below means something.
    const missing = await t.request('GET', '/api/no-such-route', { token: owner.token });
    expect(isNoSuchRoute(missing.status, JSON.stringify(missing.body))).toBe(true);

    const documented = operations();
    const covered = new Set<string>();
    const failures: string[] = [];
    let sent = 0;

    const send = async (op: Operation, who: TestTenant | undefined, c: Case): Promise<{ status: number; body?: { code?: unknown; message?: unknown } }> => {
      const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => c.path[name] ?? '');
      const url = c.query ? `${path}?${c.query}` : path;
      const headers: Record<string, string> = { ...(who ? { authorization: `Bearer ${who.token}` } : {}), ...c.headers };
      if (c.body !== undefined) headers['content-type'] = 'application/json';
      const res = await t.app.inject({
        method: op.method as 'GET',
        url,
        headers,
        payload: c.body,
        remoteAddress: rnd.address(),
        payloadAsStream: true,
      });
      sent++;
      const stream = res.stream();
      // A live stream that opened is a success; it is closed, not read.
      if (String(res.headers['content-type']).startsWith('text/event-stream')) {
        stream.destroy();
        return { status: res.statusCode };
      }
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const where = `${op.method} ${op.path} as ${who === owner ? 'owner' : who ? 'agent' : 'anyone'} with ${c.label}`;
      // Reached the route (not "no such route"): the operation counts as covered.
      if (!isNoSuchRoute(res.statusCode, text)) covered.add(`${op.method} ${op.path}`);
      if (res.statusCode >= 500) failures.push(`${where}: ${res.statusCode} ${text.slice(0, 200)}`);
      if (res.statusCode >= 400 && String(res.headers['content-type']).startsWith('application/json')) {
        const body = JSON.parse(text);
        if (body.statusCode !== res.statusCode || typeof body.code !== 'string' || typeof body.message !== 'string')
          failures.push(`${where}: not the API's error shape: ${text.slice(0, 200)}`);
        return { status: res.statusCode, body };
      }
      return { status: res.statusCode };
    };

    for (const op of documented) {
      const cases = casesOf(op, rnd);

      // An open operation is the same for everyone: sent once, without a token.
      for (const who of op.secured ? [owner, agent] : [undefined]) {
        let sending = cases;
        if (who === agent) {
          // An operation the agent's role may not use: the roles guard refuses it before anything
          // but the body parser has read the request, and the parser is the same for every caller
          // (the owner's requests carry the same bodies). A body's bad fields then meet nothing the
          // owner's did not: the agent sends every other case (paths, queries, headers, whole bodies).
          const documentedCase = await send(op, who, cases[0]);
          const byRole =
            documentedCase.status === 403 &&
            documentedCase.body?.code === 'ROLE_REQUIRED' &&
            String(documentedCase.body.message).startsWith('This action needs one of the roles');
          sending = cases.slice(1).filter((c) => !(byRole && c.inBody));
        }
        // Several at a time: quick, and requests of one operation meet in the group commit and the pools.
        for (let i = 0; i < sending.length; i += 16) await Promise.all(sending.slice(i, i + 16).map((c) => send(op, who, c)));
      }
    }

    expect(failures).toEqual([]);
    // Every operation the document lists was reached, whatever is added to it later.
    expect([...covered].sort()).toEqual(documented.map((o) => `${o.method} ${o.path}`).sort());
    expect(covered.size).toBeGreaterThanOrEqual(40);
    expect(sent).toBeGreaterThan(1000);
  }, 300_000);
});
