/**
 * A Server-Sent Events reader over fetch: unlike EventSource it sends the token in the
 * Authorization header (never in the URL, where proxies and history would keep it), and resumes
 * with Last-Event-ID after a drop.
 */
export interface SseFrame {
  id?: string;
  event: string;
  data: string;
}

/** Splits a text/event-stream into frames; feed it chunks, it calls back per complete frame. */
export class SseParser {
  private buffer = '';

  constructor(private readonly onFrame: (f: SseFrame) => void) {}

  push(chunk: string): void {
    this.buffer += chunk.replace(/\r\n?/g, '\n');
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      const frame: SseFrame = { event: 'message', data: '' };
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (!line || line.startsWith(':')) continue;
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'id') frame.id = value;
        else if (field === 'event') frame.event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length === 0 && frame.id === undefined) continue;
      frame.data = data.join('\n');
      this.onFrame(frame);
    }
  }
}

export interface StreamOptions {
  url: string;
  token: () => string | null | Promise<string | null>;
  onFrame: (f: SseFrame) => void;
  onStatus: (connected: boolean) => void;
  /** The stream was refused (401): resolves true when a renewed token is in place (reconnect at once), else the stream stops. */
  onUnauthorized?: () => boolean | Promise<boolean>;
  fetchImpl?: typeof fetch;
}

/** Keeps one stream open until stopped; returns the stop function. */
export function openStream(opts: StreamOptions): () => void {
  const doFetch = opts.fetchImpl ?? fetch.bind(globalThis);
  let stopped = false;
  let lastId: string | undefined;
  let controller: AbortController | undefined;
  let delay = 1000;
  let renewed = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let wake: (() => void) | undefined;

  const run = async () => {
    while (!stopped) {
      const token = await opts.token();
      if (!token || stopped) return;
      controller = new AbortController();
      let wait = delay;
      try {
        const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'text/event-stream' };
        if (lastId) headers['last-event-id'] = lastId;
        const res = await doFetch(opts.url, { headers, signal: controller.signal, cache: 'no-store' });
        if (res.status === 401) {
          opts.onStatus(false);
          // Renew once per refusal: a stream refused again right after renewal is over.
          if (!renewed && (await opts.onUnauthorized?.())) {
            renewed = true;
            continue;
          }
          return;
        }
        if (!res.ok || !res.body) {
          const retryAfter = Number(res.headers.get('retry-after'));
          if (retryAfter > 0) wait = retryAfter * 1000;
          throw new Error(`stream answered ${res.status}`);
        }
        opts.onStatus(true);
        delay = 1000;
        renewed = false;
        const parser = new SseParser((f) => {
          if (f.id) lastId = f.id;
          opts.onFrame(f);
        });
        const reader = res.body.getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.push(decoder.decode(value, { stream: true }));
        }
      } catch {
        // dropped or refused: try again below
      }
      if (stopped) return;
      opts.onStatus(false);
      await new Promise<void>((r) => {
        wake = r;
        timer = setTimeout(r, wait);
      });
      delay = Math.min(delay * 2, 15_000);
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
    clearTimeout(timer);
    wake?.();
  };
}
