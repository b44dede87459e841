import { BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** A comment line every so often keeps proxies and load balancers from closing an idle stream. */
const HEARTBEAT_MS = 20_000;
/** A client that stops reading is dropped before its backlog grows without bound. */
const MAX_BACKLOG_BYTES = 1024 * 1024;

export interface SseEvent {
  id?: string;
  event?: string;
  data: unknown;
}

/** One line of an SSE field: a newline would start a new field, so it can never be smuggled in. */
const oneLine = (s: string) => s.replace(/[\r\n]/g, ' ');

/**
 * One open text/event-stream response. Fastify's reply is hijacked, so the headers set on it so
 * far (CORS, say) are copied onto the raw response here.
 */
export class SseConnection {
  private closed = false;
  private readonly heartbeat: NodeJS.Timeout;
  private readonly closeHandlers: Array<() => void> = [];

  constructor(
    private readonly req: FastifyRequest,
    private readonly reply: FastifyReply,
    retryMs: number,
  ) {
    const headers = { ...(reply.getHeaders() as Record<string, string | string[]>) };
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store, no-transform',
      'x-accel-buffering': 'no',
      connection: 'keep-alive',
    });
    res.write(`retry: ${retryMs}\n\n`);
    this.heartbeat = setInterval(() => this.comment('ping'), HEARTBEAT_MS);
    this.heartbeat.unref();
    const onClose = () => this.close();
    req.raw.once('close', onClose);
    res.once('close', onClose);
    res.once('error', onClose);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** An event as its text/event-stream frame. */
  static format(e: SseEvent): string {
    let frame = '';
    if (e.id !== undefined) frame += `id: ${oneLine(e.id)}\n`;
    if (e.event !== undefined) frame += `event: ${oneLine(e.event)}\n`;
    // JSON.stringify escapes newlines inside strings, so the data is always a single line.
    frame += `data: ${JSON.stringify(e.data)}\n\n`;
    return frame;
  }

  send(e: SseEvent): void {
    if (!this.closed) this.write(SseConnection.format(e));
  }

  /** A frame made by `format` (one event serialised once for many streams). */
  sendFrame(frame: string): void {
    if (!this.closed) this.write(frame);
  }

  comment(text: string): void {
    if (!this.closed) this.write(`: ${oneLine(text)}\n\n`);
  }

  /** Ends the stream with a reconnect hint: an SSE client waits `retryMs`, then reconnects. */
  reconnectIn(retryMs: number): void {
    if (this.closed) return;
    this.write(`retry: ${Math.round(retryMs)}\n\n`);
    this.close();
  }

  onClose(handler: () => void): void {
    if (this.closed) handler();
    else this.closeHandlers.push(handler);
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    clearInterval(this.heartbeat);
    for (const h of this.closeHandlers.splice(0)) {
      try {
        h();
      } catch {
        // a subscriber's cleanup must not keep the others from running
      }
    }
    if (!this.reply.raw.writableEnded) this.reply.raw.end();
  }

  /** What the code running now wrote so far, sent as one chunk as soon as it ends. */
  private pending = '';

  /**
   * Frames written by one run of code (a commit's fan-out: all its events to every stream of its
   * tenant) go out as one chunk in one write: an event reaches every stream of its tenant at once
   * and a commit often carries several, so a write per frame per stream (each one a chunk of the
   * response, framed and queued on its own) was most of the cost of a busy tenant's streams.
   */
  private write(frame: string): void {
    if (this.reply.raw.writableLength > MAX_BACKLOG_BYTES) return this.close();
    if (this.pending === '') flushSoon(this);
    this.pending += frame;
  }

  /** Sends what was written since the last flush. */
  flush(): void {
    if (this.pending === '' || this.closed) return;
    const chunk = this.pending;
    this.pending = '';
    this.reply.raw.write(chunk);
  }
}

/**
 * Connections written to by the code running now, flushed together once it ends (one callback for
 * all of them): on the next tick, which runs once the callback in progress and every promise
 * continuation it set off are done (a commit's fan-out, or the streams whose events waited for one
 * visibility answer), and before the event loop goes on. The next check phase (setImmediate) also
 * waited behind the rest of the loop's turn (every I/O callback already due, other work's queries):
 * a commit's frames were written 4-7 ms after it at the median and 51-61 ms at p99 in bench:events.
 * A microtask would flush each continuation of such a cascade on its own (more writes).
 */
const written = new Set<SseConnection>();
function flushSoon(conn: SseConnection): void {
  if (written.size === 0) {
    process.nextTick(() => {
      // Taken first: a stream written to again while these are sent waits for the next flush.
      const these = [...written];
      written.clear();
      for (const c of these) {
        try {
          c.flush();
        } catch {
          // one broken socket must not keep the others from being sent
        }
      }
    });
  }
  written.add(conn);
}

/** 0.5 to 2.5 s: soon, and spread so that the clients of a stopping instance do not all reconnect at once. */
const reconnectDelayMs = () => 500 + Math.floor(Math.random() * 2000);

/**
 * Every open stream of this instance. Streams never end on their own, so they are closed before
 * the HTTP server shuts down (which otherwise waits for them).
 */
@Injectable()
export class SseConnections implements BeforeApplicationShutdown {
  private readonly open = new Set<SseConnection>();
  private draining = false;

  start(req: FastifyRequest, reply: FastifyReply, opts: { retryMs?: number } = {}): SseConnection {
    const conn = new SseConnection(req, reply, opts.retryMs ?? 3000);
    // A client that reconnected here while this instance stops is sent on again, to another one.
    if (this.draining) {
      conn.reconnectIn(reconnectDelayMs());
      return conn;
    }
    this.open.add(conn);
    conn.onClose(() => this.open.delete(conn));
    return conn;
  }

  count(): number {
    return this.open.size;
  }

  /**
   * The instance is going away (a rolling restart): each stream is told to come back soon, at a
   * jittered delay so the clients do not all land on the next instance at once, then ended. The
   * client reconnects with Last-Event-ID and replays what it missed.
   */
  beforeApplicationShutdown(): void {
    this.draining = true;
    for (const c of [...this.open]) c.reconnectIn(reconnectDelayMs());
  }
}
