import { FakeGraphServer } from '../fakes/fake-graph.server';
import { platformId } from './meta';
import { TestApp, type TestTenant } from './test-app';

/** A platform account a tenant connected: its platform id, the token it was connected with, our channel id. */
export interface ConnectedAccount {
  accountId: string;
  token: string;
  channelId: string;
}

export interface ConnectedPage extends ConnectedAccount {
  pageId: string;
}

/**
 * Starts a fake Graph API server and a TestApp that talks to it (`env` adds to META_GRAPH_URL,
 * e.g. the Meta app secret). Stop both with `stopWithFakeGraph`.
 */
export async function startWithFakeGraph(env: Record<string, string> = {}): Promise<{ t: TestApp; graph: FakeGraphServer }> {
  const graph = await new FakeGraphServer().start();
  const t = await TestApp.start({ META_GRAPH_URL: graph.url, ...env });
  return { t, graph };
}

export async function stopWithFakeGraph(s: { t?: TestApp; graph?: FakeGraphServer }): Promise<void> {
  await s.t?.close();
  await s.graph?.stop();
}

async function connect(t: TestApp, tenant: TestTenant, body: Record<string, unknown>, reconnect: boolean): Promise<string> {
  const res = await t.request('POST', '/api/channels', { token: tenant.token, body });
  const ok = res.status === 201 || (reconnect && res.status === 200);
  if (!ok) throw new Error(`connecting ${String(body.kind)} failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

/**
 * Connects a Facebook Page to `tenant` as a Customer does, with a token the fake Graph server
 * knows controls it. `reconnect`: the tenant may have it already (200 instead of 201).
 */
export async function connectPage(
  t: TestApp,
  graph: FakeGraphServer,
  tenant: TestTenant,
  opts: { pageId?: string; token?: string; name?: string; reconnect?: boolean } = {},
): Promise<ConnectedPage> {
  const pageId = opts.pageId ?? platformId();
  const token = opts.token ?? `EAAB-token-${pageId}`;
  graph.page(pageId, token);
  const channelId = await connect(
    t,
    tenant,
    { kind: 'messenger', name: opts.name ?? 'Page', config: { pageId }, credentials: { pageAccessToken: token } },
    opts.reconnect ?? false,
  );
  return { accountId: pageId, pageId, token, channelId };
}

/** Connects a WhatsApp Business number (and its account) the fake Graph server knows. */
export async function connectWhatsApp(
  t: TestApp,
  graph: FakeGraphServer,
  tenant: TestTenant,
  opts: { phoneNumberId?: string; wabaId?: string; token?: string; name?: string } = {},
): Promise<ConnectedAccount & { phoneNumberId: string; wabaId: string }> {
  const phoneNumberId = opts.phoneNumberId ?? platformId();
  const wabaId = opts.wabaId ?? platformId();
  const token = opts.token ?? `EAAG-token-${phoneNumberId}`;
  graph.whatsapp(phoneNumberId, wabaId, token);
  const channelId = await connect(
    t,
    tenant,
    { kind: 'whatsapp', name: opts.name ?? 'WhatsApp', config: { phoneNumberId, wabaId }, credentials: { accessToken: token } },
    false,
  );
  return { accountId: phoneNumberId, phoneNumberId, wabaId, token, channelId };
}

/** A fresh organization with a connected Facebook Page. */
export async function signupWithPage(
  t: TestApp,
  graph: FakeGraphServer,
  opts: { region?: string; pageId?: string; token?: string; name?: string } = {},
): Promise<ConnectedPage & { owner: TestTenant }> {
  const owner = await t.signup(opts.region ? { region: opts.region } : {});
  return { owner, ...(await connectPage(t, graph, owner, opts)) };
}
