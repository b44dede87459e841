import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/**
 * A small HTTP/1.1 load generator on raw keep-alive sockets, for bench/ingest.bench.ts.
 *
 * Requests are pre-built byte buffers, so the generator does next to no work per request (on a
 * 2-core machine every cycle it spends is taken from the server under test). Two modes:
 * - closed loop (no `rate`): each connection sends its next request as soon as the previous one
 *   is answered, until `durationMs` has passed: the maximum throughput at that concurrency;
 * - open loop (`rate`): request i is due at start + i/rate, spread evenly (not in per-second
 *   bursts); when no connection is free it waits, and its latency still counts from the time it
 *   was due, so a server that falls behind shows it (no coordinated omission).
 * Every run is bounded in count (`maxRequests`, the pool) and in time (`durationMs` + `graceMs`).
 */
export interface LoadOptions {
  host: string;
  port: number;
  /** Pre-built raw requests (see rawPost); request i is requests[i], or requests[i % n] with `cycle`. */
  requests: Buffer[];
  connections: number;
  /** Closed loop: stop sending after this. Open loop: send rate * durationMs / 1000 requests. */
  durationMs: number;
  /** Requests per second over all connections; omitted = closed loop. */
  rate?: number;
  /** Upper bound on requests sent; defaults to requests.length (required with `cycle`). */
  maxRequests?: number;
  /** Reuse the pool round-robin: only where distinct requests do not matter (the bare baseline). */
  cycle?: boolean;
  /** After the sending window, wait at most this long for answers (then count the rest as lost). */
  graceMs?: number;
}

export interface LoadResult {
  sent: number;
  answered: number;
  /** status code -> count */
  statusCounts: Record<string, number>;
  /** Socket errors, plus requests still unanswered at the hard stop. */
  errors: number;
  /** Open loop: requests that were due but never sent before the hard stop. */
  unsent: number;
  /** From the first send to the last answer. */
  elapsedMs: number;
  /** ACK latency of every answered request (open loop: from the time it was due), sorted ascending. */
  latencyMs: Float64Array;
  /** Per request index: wall-clock time (ms since the epoch) of its answer, NaN when none. */
  ackWallMs: Float64Array;
  /** Per request index: HTTP status, 0 when none. */
  status: Uint16Array;
  /** Per request index: its ACK latency as in `latencyMs`, NaN when unanswered. */
  latencyByIndex: Float64Array;
  /** Per request index: when its latency counts from, ms after the first send. */
  fromMs: Float64Array;
}

/** A raw HTTP/1.1 POST with a JSON body, ready to write to a socket. */
export function rawPost(path: string, body: string, headers: Record<string, string>): Buffer {
  const bytes = Buffer.from(body, 'utf8');
  let head = `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: ${bytes.length}\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  return Buffer.concat([Buffer.from(`${head}\r\n`, 'latin1'), bytes]);
}

/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

const CONTENT_LENGTH = /\r\ncontent-length:[ \t]*(\d+)/i;
const CHUNKED = /\r\ntransfer-encoding:[ \t]*chunked/i;
const CONN_CLOSE = /\r\nconnection:[ \t]*close/i;

/** One complete response at the start of `buf`: its status and length, or null if incomplete. */
function parseResponse(buf: Buffer): { status: number; length: number; close: boolean } | null {
  const headEnd = buf.indexOf('\r\n\r\n');
  if (headEnd < 0) return null;
  const head = buf.toString('latin1', 0, headEnd);
  const status = Number(head.slice(9, 12));
  const close = CONN_CLOSE.test(head);
  const cl = CONTENT_LENGTH.exec(head);
  if (cl) {
    const length = headEnd + 4 + Number(cl[1]);
    return buf.length >= length ? { status, length, close } : null;
  }
  if (CHUNKED.test(head)) {
    const end = buf.indexOf('\r\n0\r\n\r\n', headEnd);
    return end < 0 ? null : { status, length: end + 7, close };
  }
  // No body (204/304) or a close-delimited one, which a keep-alive server does not send.
  return { status, length: headEnd + 4, close: true };
}

interface Conn {
  sock: Socket;
  busy: boolean;
  idx: number;
  /** When the request in flight counts from (due time in the open loop, write time otherwise). */
  from: number;
  buf: Buffer | null;
}

function openSocket(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port, noDelay: true });
    sock.once('connect', () => {
      sock.removeListener('error', reject);
      resolve(sock);
    });
    sock.once('error', reject);
  });
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const poolSize = o.requests.length;
  if (poolSize === 0) throw new Error('runLoad: empty request pool');
  const bound = o.maxRequests ?? (o.cycle ? NaN : poolSize);
  if (!Number.isFinite(bound)) throw new Error('runLoad: cycle needs maxRequests');
  const cap = o.cycle ? bound : Math.min(bound, poolSize);
  const total = o.rate ? Math.min(cap, Math.floor((o.rate * o.durationMs) / 1000)) : cap;
  const graceMs = o.graceMs ?? 10_000;

  const status = new Uint16Array(total);
  const ackWallMs = new Float64Array(total).fill(NaN);
  const latency = new Float64Array(total);
  const latencyByIndex = new Float64Array(total).fill(NaN);
  const fromMs = new Float64Array(total).fill(NaN);
  const statusCounts: Record<string, number> = {};
  let answered = 0;
  let errors = 0;
  let next = 0;
  let inFlight = 0;
  let lastAnswer = 0;
  let reconnects = 0;
  let finished = false;

  const sockets = await Promise.all(Array.from({ length: o.connections }, () => openSocket(o.host, o.port)));
  const conns: Conn[] = [];
  const idle: Conn[] = [];
  const wallOffset = performance.timeOrigin;
  const interval = o.rate ? 1000 / o.rate : 0;

  let resolveDone!: () => void;
  const done = new Promise<void>((r) => (resolveDone = r));
  const t0 = performance.now();
  const sendUntil = t0 + o.durationMs;
  const hardStop = sendUntil + graceMs;

  const maybeFinish = () => {
    if (finished) return;
    const allSent = next >= total || (!o.rate && performance.now() >= sendUntil);
    if (allSent && inFlight === 0) resolveDone();
  };

  const send = (c: Conn, idx: number, from: number) => {
    c.busy = true;
    c.idx = idx;
    c.from = from;
    inFlight++;
    c.sock.write(o.requests[idx % poolSize]);
  };

  const pump = () => {
    if (finished) return;
    const now = performance.now();
    if (now >= hardStop) return;
    while (next < total && idle.length > 0) {
      if (o.rate) {
        const due = t0 + next * interval;
        if (due > now) break;
        send(idle.pop()!, next, due);
      } else {
        if (now >= sendUntil) break;
        send(idle.pop()!, next, now);
      }
      next++;
    }
    maybeFinish();
  };

  const complete = (c: Conn, code: number) => {
    const now = performance.now();
    const i = c.idx;
    status[i] = code;
    ackWallMs[i] = wallOffset + now;
    latency[answered++] = now - c.from;
    latencyByIndex[i] = now - c.from;
    fromMs[i] = c.from - t0;
    statusCounts[code] = (statusCounts[code] ?? 0) + 1;
    lastAnswer = now;
    c.busy = false;
    inFlight--;
  };

  const attach = (c: Conn) => {
    c.sock.on('data', (chunk: Buffer) => {
      c.buf = c.buf ? Buffer.concat([c.buf, chunk]) : chunk;
      const res = parseResponse(c.buf);
      if (!res) return;
      c.buf = res.length < c.buf.length ? c.buf.subarray(res.length) : null;
      if (!c.busy) return; // an answer nobody asked for: ignore
      complete(c, res.status);
      if (res.close) {
        replace(c);
        return;
      }
      idle.push(c);
      pump();
    });
    c.sock.on('error', () => {
      errors++;
      if (!finished) replace(c);
    });
    // The server closed the connection (say, an idle timeout): carry on on a new one.
    c.sock.on('close', () => {
      if (!finished) replace(c);
    });
  };

  /** The connection broke or the server closed it: a fresh socket takes its place (bounded). */
  const replace = (c: Conn) => {
    if (c.busy) {
      c.busy = false;
      inFlight--;
      errors++;
    }
    c.sock.removeAllListeners();
    c.sock.on('error', () => undefined);
    c.sock.destroy();
    c.buf = null;
    if (finished || ++reconnects > 1000) return maybeFinish();
    openSocket(o.host, o.port).then(
      (sock) => {
        if (finished) return sock.destroy();
        c.sock = sock;
        attach(c);
        idle.push(c);
        pump();
      },
      () => {
        errors++;
        maybeFinish();
      },
    );
  };

  for (const sock of sockets) {
    const c: Conn = { sock, busy: false, idx: -1, from: 0, buf: null };
    conns.push(c);
    idle.push(c);
    attach(c);
  }

  const ticker = setInterval(pump, o.rate ? 1 : 50);
  const stopper = setTimeout(resolveDone, hardStop - performance.now());
  pump();
  await done;
  finished = true;
  clearInterval(ticker);
  clearTimeout(stopper);
  for (const c of conns) {
    if (c.busy) errors++;
    c.sock.removeAllListeners();
    c.sock.on('error', () => undefined);
    c.sock.destroy();
  }

  const lat = latency.subarray(0, answered).sort();
  return {
    sent: next,
    answered,
    statusCounts,
    errors,
    unsent: o.rate ? total - next : 0,
    elapsedMs: (lastAnswer || performance.now()) - t0,
    latencyMs: lat,
    ackWallMs,
    status,
    latencyByIndex,
    fromMs,
  };
}
