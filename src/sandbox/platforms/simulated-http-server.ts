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

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.receive(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
    return this;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  /** Answers `req`, whose body was `raw` (as text; `bytes` as received, for binary bodies such as multipart uploads). */
  protected abstract handle(req: IncomingMessage, raw: string, res: ServerResponse, bytes: Buffer): void | Promise<void>;

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
    await this.handle(req, bytes.toString('utf8'), res, bytes);
  }
}
