import { ApiError, ApiMessage, ApiRequest, apiClient, fileUrl, uploadFile } from './api';
import type { WidgetConfig } from './config';
import type { TokenStore } from './token-store';

/** What the session tells the chat. */
export interface SessionEvents {
  /** A message listed or streamed (the same one may come more than once). */
  message(m: ApiMessage): void;
  /** A line about the connection ('' when all is well). */
  status(text: string): void;
  /** The API no longer knows the session (the chat ended): what was shown belongs to it. */
  ended(): void;
}

/**
 * The visitor's session with the API and its live stream: started on first need (the token kept
 * in the browser), resumed on the next visit, its stream reconnected (every (re)connect first
 * refetches the list, then applies live events), and recovered from when the API ends it.
 */
export class ChatSession {
  private token: string | null = null;
  private starting: Promise<string> | null = null;
  private source: EventSource | null = null;
  private recovering = false;
  private readonly request: ApiRequest;

  constructor(
    private readonly config: WidgetConfig,
    private readonly store: TokenStore,
    private readonly on: SessionEvents,
  ) {
    this.request = apiClient(config.api, () => this.token);
  }

  get active(): boolean {
    return this.token !== null;
  }

  /** A returning visitor: their history and live replies. */
  resume(): void {
    this.token = this.store.load();
    if (this.token) this.connect();
  }

  start(): Promise<string> {
    if (this.token) return Promise.resolve(this.token);
    if (this.starting) return this.starting;
    const body: { userId?: string; userHash?: string | null; name?: string } = {};
    if (this.config.userId) {
      body.userId = this.config.userId;
      body.userHash = this.config.userHash;
    }
    if (this.config.visitorName) body.name = this.config.visitorName;
    this.starting = this.request<{ token: string }>('POST', '/sessions', body).then(
      (s) => {
        this.token = s.token;
        this.store.save(s.token);
        this.starting = null;
        this.connect();
        return s.token;
      },
      (e: unknown) => {
        this.starting = null;
        throw e;
      },
    );
    return this.starting;
  }

  /** Sends a visitor's message; a session the API no longer knows is replaced once, and the message sent again. */
  /** Rates the visitor's latest satisfaction survey (1-5). */
  postRating(rating: number): Promise<void> {
    return this.request<void>('POST', '/rating', { rating: rating });
  }

  /** Uploads a file for the next message; answers its upload id. */
  upload(file: File): Promise<string> {
    return this.start().then((token) => uploadFile(this.config.api, token, file).then((u) => u.id));
  }

  /** A file of this chat as a blob: URL (the API serves it to this session only). */
  fileUrl(path: string): Promise<string> {
    return this.token ? fileUrl(this.config.api, this.token, path) : Promise.reject(new Error('no session'));
  }

  postMessage(body: { clientMessageId: string; text: string | null; attachments?: Array<{ uploadId: string }> }): Promise<void> {
    const attempt = (retried: boolean): Promise<void> =>
      this.start()
        .then(() => this.request<void>('POST', '/messages', body))
        .catch((e: ApiError) => {
          if (e.status === 404 && !retried) {
            this.forget();
            return attempt(true);
          }
          throw e;
        });
    return attempt(false);
  }

  refresh(): Promise<void> {
    if (!this.token) return Promise.resolve();
    return this.request<{ items: ApiMessage[] }>('GET', '/messages?limit=100').then(
      (page) => {
        page.items
          .slice()
          .reverse()
          .forEach((m) => this.on.message(m));
      },
      (e: ApiError) => {
        if (e.status === 404) this.recover();
      },
    );
  }

  private forget(): void {
    this.token = null;
    this.store.forget();
  }

  private connect(): void {
    if (this.source) this.source.close();
    if (!this.token || typeof EventSource === 'undefined') return;
    const es = new EventSource(this.config.api + '/stream?session=' + encodeURIComponent(this.token));
    this.source = es;
    es.addEventListener('open', () => {
      this.on.status('');
      this.refresh();
    });
    es.addEventListener('message', (ev) => {
      try {
        this.on.message(JSON.parse(ev.data) as ApiMessage);
      } catch (e) {
        /* ignore */
      }
    });
    es.addEventListener('error', () => {
      if (es.readyState === 2) {
        // refused: find out why
        this.source = null;
        setTimeout(() => this.recover(), 2000);
      } else this.on.status('Reconnecting…');
    });
  }

  private recover(): void {
    if (this.recovering || !this.token) return;
    this.recovering = true;
    this.request('GET', '/messages?limit=1').then(
      () => {
        this.recovering = false;
        this.connect();
      },
      (e: ApiError) => {
        this.recovering = false;
        if (e.status === 404) {
          this.forget();
          this.on.ended();
        } else {
          this.on.status('Offline; retrying…');
          setTimeout(() => this.recover(), 10000);
        }
      },
    );
  }
}
