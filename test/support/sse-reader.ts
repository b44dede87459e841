import { schemaViolation } from './api-contract';

/** One server-sent event as a client sees it (comments dropped, data parsed as JSON when it is). */
export interface SseFrame {
  id?: string;
  event: string;
  data: any;
}

/**
 * Reads a text/event-stream over real HTTP (app.listen): inject() buffers whole responses, so
 * streams need a socket. Frames are queued as they arrive; `next` waits for a matching one.
 */
export class SseReader {
  private readonly frames: SseFrame[] = [];
  private waiters: Array<() => void> = [];
  private ended = false;

  private constructor(
    readonly status: number,
    readonly headers: Headers,
    readonly body: string | null,
    private readonly abort: AbortController,
  ) {}

  /** The agents' stream's frames must be as openapi.json documents them (AgentEvent, AgentStreamReset). */
  private contract: ((f: SseFrame) => string | null) | null = null;

  static async open(url: string, headers: Record<string, string> = {}): Promise<SseReader> {
    const abort = new AbortController();
    const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
    if (!res.ok || !res.headers.get('content-type')?.startsWith('text/event-stream')) {
      const text = await res.text();
      return new SseReader(res.status, res.headers, text, abort);
    }
    const reader = new SseReader(res.status, res.headers, null, abort);
    if (new URL(url).pathname === '/api/events')
      reader.contract = (f) =>
        schemaViolation(f.event === 'reset' ? 'AgentStreamReset' : 'AgentEvent', f.data) ??
        (f.event === 'reset' || f.event === f.data.type ? null : `event: ${f.event} but data.type ${f.data.type}`);
    void reader.pump(res.body!);
    return reader;
  }

  /** The first frame (in arrival order, not yet taken) that matches; fails after `timeoutMs`. */
  async next(match: (f: SseFrame) => boolean = () => true, timeoutMs = 5000): Promise<SseFrame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.frames.findIndex(match);
      if (i >= 0) return this.checked(this.frames.splice(i, 1)[0]);
      if (this.ended) throw new Error('stream ended without a matching event');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching event within ${timeoutMs} ms; have ${JSON.stringify(this.frames)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  /** Frames received so far and not taken (after giving the server `settleMs` to send more). */
  async pending(settleMs = 300): Promise<SseFrame[]> {
    await new Promise((r) => setTimeout(r, settleMs));
    return this.frames.map((f) => this.checked(f));
  }

  private checked(f: SseFrame): SseFrame {
    const violation = this.contract?.(f);
    if (violation) throw new Error(`a /api/events frame breaks the contract: ${violation}`);
    return f;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  close(): void {
    this.abort.abort();
  }

  private async pump(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const raw = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const frame: Partial<SseFrame> & { dataLines: string[] } = { dataLines: [] };
          for (const line of raw.split('\n')) {
            if (line.startsWith(':') || line === '') continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') frame.id = value;
            else if (field === 'event') frame.event = value;
            else if (field === 'data') frame.dataLines.push(value);
          }
          if (!frame.dataLines.length) continue; // retry: and comments carry no event
          const text = frame.dataLines.join('\n');
          let data: unknown = text;
          try {
            data = JSON.parse(text);
          } catch {
            // plain text data
          }
          this.frames.push({ id: frame.id, event: frame.event ?? 'message', data });
          this.wake();
        }
      }
    } catch {
      // aborted or the server closed the connection
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    w.forEach((f) => f());
  }
}
