import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';

export interface ScriptedReply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

/**
 * What every simulated platform server shares (the sandbox's and the tests'): a loopback HTTP server on a free port, the request
 * body read whole, JSON answers, and a queue of scripted replies per key (path, API method...)
 * that take the place of the next success.
 */
export abstract class SimulatedHttpServer {
  url = '';
  private server?: Server;
  private readonly scripted = new Map<string, ScriptedReply[]>();
  private readonly rateLimits = new Map<string, { perSecond: number; reply: ScriptedReply; arrivals: number[]; accepted: number[]; refused: number }>();
  private readonly held = new Map<string, { count: number; arrived: number }>();
  private readonly slowed = new Map<string, Array<() => void>>();

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.receive(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  stop(): Promise<void> {
    // Held calls never end on their own.
    this.server?.closeAllConnections();
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Answers `req`, whose body was `raw` (as text; `bytes` as received, for binary bodies such as multipart uploads). */
  protected abstract handle(req: IncomingMessage, raw: string, res: ServerResponse, bytes: Buffer): void | Promise<void>;

  /**
   * As the platform's throughput limit: a call to `path` that makes more than `perSecond` within
   * the last second is answered with `reply` (the platform's rate-limit error) instead.
   */
  limitRate(path: string, perSecond: number, reply: ScriptedReply): this {
    this.rateLimits.set(path, { perSecond, reply, arrivals: [], accepted: [], refused: 0 });
    return this;
  }

  /** Calls to a rate-limited path refused for going over, and the most accepted within any one second. */
  rateOf(path: string): { refused: number; maxPerSecond: number } {
    const limit = this.rateLimits.get(path);
    if (!limit) return { refused: 0, maxPerSecond: 0 };
    let max = 0;
    for (let i = 0, j = 0; i < limit.accepted.length; i++) {
      while (limit.accepted[i] - limit.accepted[j] >= 1000) j++;
      max = Math.max(max, i - j + 1);
    }
    return { refused: limit.refused, maxPerSecond: max };
  }

  /** The next `count` calls to `path` are read and never answered (a platform that hangs mid-call). */
  holdNext(path: string, count = 1): this {
    this.held.set(path, { count, arrived: 0 });
    return this;
  }

  /** How many calls to `path` were held so far. */
  heldCalls(path: string): number {
    return this.held.get(path)?.arrived ?? 0;
  }

  /** Calls to `path` wait unanswered until the returned function is called (a platform slow to answer). */
  slowDown(path: string): () => void {
    this.slowed.set(path, []);
    return () => {
      const waiting = this.slowed.get(path) ?? [];
      this.slowed.delete(path);
      for (const go of waiting) go();
    };
  }

  protected script(key: string, reply: ScriptedReply): this {
    const list = this.scripted.get(key) ?? [];
    list.push(reply);
    this.scripted.set(key, list);
    return this;
  }

  protected nextScripted(key: string): ScriptedReply | undefined {
    return this.scripted.get(key)?.shift();
  }

  protected json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(JSON.stringify(body));
  }

  private async receive(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const bytes = Buffer.concat(chunks);
    const path = (req.url ?? '/').split('?')[0];
    const hold = this.held.get(path);
    if (hold && hold.count > 0) {
      hold.count--;
      hold.arrived++;
      return;
    }
    const slowed = this.slowed.get(path);
    if (slowed) await new Promise<void>((go) => slowed.push(go));
    const limit = this.rateLimits.get(path);
    if (limit) {
      const now = Date.now();
      limit.arrivals.push(now);
      while (now - limit.arrivals[0] >= 1000) limit.arrivals.shift();
      if (limit.arrivals.length > limit.perSecond) {
        limit.refused++;
        return this.json(res, limit.reply.status, limit.reply.body, limit.reply.headers);
      }
      limit.accepted.push(now);
    }
    await this.handle(req, bytes.toString('utf8'), res, bytes);
  }
}
