import { type Socket, connect } from 'node:net';

/**
 * The load generator's HTTP client: GET over HTTP/1.1 keep-alive connections to 127.0.0.1, one
 * request at a time on each, answers read by Content-Length. The benches run on the machine they
 * measure (2 cores shared by the load, the app and PostgreSQL), so whatever CPU the client spends
 * is taken from the server: node:http's client cost 0.25-0.35 ms of CPU per inbox page, this one
 * a fraction of that (as wrk's would). Only what the benches need: no redirects, no chunked
 * answers (the app answers its JSON with a length), no request bodies.
 */
export interface Answer {
  status: number;
  /** The body as text; empty when it was dropped unread (see get's `discardIf`). */
  body: string;
}

const HEADER_END = Buffer.from('\r\n\r\n');

interface InFlight {
  resolve(a: Answer): void;
  reject(e: Error): void;
  discardIf?: number;
}

/** One keep-alive connection; answers arrive in the order of requests, and this sends one at a time. */
class Connection {
  private readonly socket: Socket;
  private readonly ready: Promise<void>;
  private inFlight?: InFlight;
  private head: Buffer = Buffer.alloc(0);
  private status = 0;
  private remaining = -1;
  private keep = true;
  private chunks: Buffer[] = [];
  private failure?: Error;

  constructor(port: number) {
    this.socket = connect({ host: '127.0.0.1', port, noDelay: true });
    this.ready = new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('error', reject);
    });
    this.socket.on('data', (d: Buffer) => this.onData(d));
    this.socket.on('error', (e) => this.fail(e));
    this.socket.on('close', () => this.fail(new Error('the server closed the connection')));
  }

  async get(path: string, headers: Record<string, string>, discardIf?: number): Promise<Answer> {
    await this.ready;
    if (this.failure) throw this.failure;
    if (this.inFlight) throw new Error('one request at a time on a connection');
    let text = `GET ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: keep-alive\r\n`;
    for (const [k, v] of Object.entries(headers)) text += `${k}: ${v}\r\n`;
    return new Promise<Answer>((resolve, reject) => {
      this.inFlight = { resolve, reject, discardIf };
      this.socket.write(`${text}\r\n`);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(d: Buffer): void {
    if (this.remaining < 0) {
      this.head = this.head.length ? Buffer.concat([this.head, d]) : d;
      const end = this.head.indexOf(HEADER_END);
      if (end < 0) return;
      const lines = this.head.subarray(0, end).toString('latin1').split('\r\n');
      this.status = Number(lines[0].split(' ')[1]);
      const length = lines.find((l) => /^content-length:/i.test(l));
      if (!length) return this.fail(new Error(`an answer without Content-Length (${lines[0]})`));
      this.remaining = Number(length.slice(length.indexOf(':') + 1));
      this.keep = this.inFlight?.discardIf !== this.status;
      d = this.head.subarray(end + HEADER_END.length);
      this.head = Buffer.alloc(0);
    }
    if (d.length > this.remaining) return this.fail(new Error('more bytes than the answer announced (pipelining is not used)'));
    if (this.keep && d.length) this.chunks.push(d);
    this.remaining -= d.length;
    if (this.remaining > 0) return;
    const body = this.keep ? Buffer.concat(this.chunks).toString('utf8') : '';
    const done = this.inFlight!;
    this.inFlight = undefined;
    this.chunks = [];
    this.remaining = -1;
    done.resolve({ status: this.status, body });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    const pending = this.inFlight;
    this.inFlight = undefined;
    pending?.reject(e);
    this.socket.destroy();
  }
}

/** Up to `size` keep-alive connections to one port, each reused as soon as its answer is in. */
export class KeepAliveClient {
  private readonly idle: Connection[] = [];
  private readonly all = new Set<Connection>();

  constructor(
    private readonly port: number,
    private readonly size: number,
  ) {}

  /** `discardIf`: an answer with this status is read to its end and dropped, not decoded. */
  async get(path: string, headers: Record<string, string> = {}, discardIf?: number): Promise<Answer> {
    const c = this.idle.pop() ?? this.open();
    try {
      const answer = await c.get(path, headers, discardIf);
      this.idle.push(c);
      return answer;
    } catch (err) {
      this.all.delete(c);
      c.close();
      throw err;
    }
  }

  close(): void {
    for (const c of this.all) c.close();
    this.all.clear();
    this.idle.length = 0;
  }

  private open(): Connection {
    if (this.all.size >= this.size) throw new Error(`more than ${this.size} requests at once`);
    const c = new Connection(this.port);
    this.all.add(c);
    return c;
  }
}
