/**
 * What the HTTP list and search benches share: their knobs from the environment, a closed-loop
 * load generator (N callers, each starting its next operation when its last returns) and a
 * keep-alive loopback HTTP client that costs as little as it can (keep-alive-client.ts).
 */
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { type Answer, KeepAliveClient } from './keep-alive-client';

export const envInt = (name: string, fallback: number, min: number, max: number) => {
  const v = Math.round(Number(process.env[name] ?? fallback));
  return Number.isFinite(v) ? Math.min(max, Math.max(min, v)) : fallback;
};

export const note = (msg: string) => process.stderr.write(`· ${msg}\n`);

export interface Stats {
  name: string;
  n: number;
  seconds: number;
  /** Latencies in ms, sorted. */
  lat: number[];
}

export const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];

export interface LoadOptions {
  concurrency: number;
  /** A scenario stops here even if it has not sent all its requests (then n says how many it did). */
  boundMs: number;
  warmup: number;
}

export async function closedLoop(count: number, op: (i: number) => Promise<void>, o: LoadOptions): Promise<{ lat: number[]; seconds: number }> {
  const lat: number[] = [];
  let next = 0;
  let failure: unknown;
  const started = performance.now();
  const deadline = started + o.boundMs;
  const caller = async () => {
    while (next < count && failure === undefined && performance.now() < deadline) {
      const i = next++;
      const t0 = performance.now();
      try {
        await op(i);
        lat.push(performance.now() - t0);
      } catch (err) {
        failure ??= err;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, caller));
  if (failure !== undefined) throw failure;
  return { lat: lat.sort((a, b) => a - b), seconds: (performance.now() - started) / 1000 };
}

/** A warm-up (JIT, pool connections, PostgreSQL's caches; not recorded), then `count` operations measured. */
export async function measure(name: string, op: (i: number) => Promise<void>, count: number, o: LoadOptions): Promise<Stats> {
  await closedLoop(Math.min(o.warmup, count), op, o);
  const { lat, seconds } = await closedLoop(count, op, o);
  note(`${name}: ${lat.length} in ${seconds.toFixed(1)} s`);
  return { name, n: lat.length, seconds, lat };
}

/**
 * The benches' HTTP client: bench/keep-alive-client.ts, or node:http's with BENCH_HTTP_CLIENT=node
 * (what the benches used before; it costs the shared cores several times more per request).
 */
export function loopbackClient(concurrency: number) {
  const useNode = process.env.BENCH_HTTP_CLIENT === 'node';
  const nodeAgent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const clients = new Map<number, KeepAliveClient>();
  const agent = {
    destroy() {
      nodeAgent.destroy();
      for (const c of clients.values()) c.close();
      clients.clear();
    },
  };
  const viaNode = (port: number, path: string, headers: Record<string, string>, discardIf?: number): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, agent: nodeAgent, headers }, (res) => {
        const status = res.statusCode ?? 0;
        res.on('error', reject);
        if (status === discardIf) {
          res.on('end', () => resolve({ status, body: '' }));
          res.resume();
          return;
        }
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status, body: Buffer.concat(chunks).toString('utf8') }));
      });
      req.on('error', reject);
      req.end();
    });
  /** `discardIf`: an answer with this status is read to its end and dropped, not decoded. */
  const get = (port: number, path: string, token?: string, discardIf?: number): Promise<Answer> => {
    const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
    if (useNode) return viaNode(port, path, headers, discardIf);
    let client = clients.get(port);
    if (!client) clients.set(port, (client = new KeepAliveClient(port, concurrency)));
    return client.get(path, headers, discardIf);
  };
  const expectStatus = async (port: number, path: string, status: number, token?: string): Promise<string> => {
    const res = await get(port, path, token);
    if (res.status !== status) throw new Error(`GET ${path}: expected ${status}, got ${res.status} ${res.body.slice(0, 300)}`);
    return res.body;
  };
  /** expectStatus for a measured request: the body of the expected answer is not kept. */
  const expectStatusOnly = async (port: number, path: string, status: number, token?: string): Promise<void> => {
    const res = await get(port, path, token, status);
    if (res.status !== status) throw new Error(`GET ${path}: expected ${status}, got ${res.status} ${res.body.slice(0, 300)}`);
  };
  return { agent, get, expectStatus, expectStatusOnly };
}
