import type { ApiError, ApiMessage } from './api';
import type { WidgetConfig } from './config';
import { MessageList, ShownMessage } from './messages';
import { ChatSession } from './session';
import { tokenStore } from './token-store';
import { ChatView } from './view';

/** The chat: what the visitor does (the view) turned into sessions and messages, and what arrives shown. */
export class Chat {
  private isOpen = false;
  private hinted = false;
  private readonly messages = new MessageList();
  private readonly view: ChatView;
  private readonly session: ChatSession;

  constructor(private readonly config: WidgetConfig) {
    this.view = new ChatView(config.title, config.script, {
      toggle: () => (this.isOpen ? this.close() : this.open()),
      close: () => this.close(),
      submit: (text) => this.send(this.messages.addPending(text)),
      attach: (file) => this.send(this.messages.addPending(null, file)),
      fileUrl: (path) => this.session.fileUrl(path),
      retry: (m) => this.send(m),
      rate: (m, rating) => this.rate(m, rating),
    });
    this.session = new ChatSession(config, tokenStore(config.storeKey, config.userId), {
      message: (m) => this.arrived(m),
      status: (text) => this.view.setStatus(text),
      ended: () => {
        this.messages.clear();
        this.view.render(this.messages.items);
        this.view.setStatus('Your previous chat has ended.');
        if (this.isOpen || config.userId) this.session.start().catch((e) => this.showError(e));
      },
    });
    // The stream carries replies at once; this slow refresh only covers what it cannot (a reply
    // recorded by another app instance than the one holding the stream).
    setInterval(() => {
      if (this.isOpen && this.session.active && document.visibilityState === 'visible') this.session.refresh();
    }, 30000);
  }

  mount(): void {
    document.body.appendChild(this.view.host);
    this.view.render(this.messages.items);
    this.session.resume();
    if (!this.session.active && this.config.userId)
      this.session.start().catch(function () {
        /* shown when opened */
      });
    if (this.config.startOpen) this.open();
  }

  open(): void {
    this.isOpen = true;
    this.view.openPanel(this.messages.items);
    if (!this.session.active) this.session.start().catch((e) => this.showError(e));
  }

  close(): void {
    this.isOpen = false;
    this.view.closePanel();
  }

  private arrived(m: ApiMessage): void {
    const outcome = this.messages.upsert(m);
    if (outcome === 'unchanged') return;
    if (outcome === 'added' && m.from === 'agent' && !this.isOpen) this.view.showBadge();
    this.view.render(this.messages.items);
  }

  private send(msg: ShownMessage): void {
    msg.state = 'sending';
    this.view.render(this.messages.items);
    const file = msg.file;
    // A file goes up first (once, even if the message is sent again), then the message names it.
    const uploaded = !file || msg.uploadId ? Promise.resolve(msg.uploadId) : this.session.upload(file).then((id) => (msg.uploadId = id));
    uploaded
      .then((uploadId) =>
        this.session.postMessage({ clientMessageId: msg.clientMessageId!, text: msg.text, ...(uploadId ? { attachments: [{ uploadId: uploadId }] } : {}) }),
      )
      .then(
        () => {
          if (msg.state === 'sending') msg.state = 'sent';
          this.view.render(this.messages.items);
          setTimeout(() => {
            if (!msg.id) this.session.refresh();
          }, 4000); // the stream normally confirms it sooner
        },
        (e: ApiError) => {
          msg.state = 'failed';
          this.view.render(this.messages.items);
          this.showError(e);
        },
      );
  }

  private rate(m: ShownMessage, rating: number): void {
    this.session.postRating(rating).then(
      () => {
        m.survey = 'rated';
        this.view.render(this.messages.items);
      },
      (e: ApiError) => {
        // Rated already (from another tab), or no longer open: either way nothing more to rate.
        if (e.status === 409 || e.status === 404) {
          m.survey = e.status === 409 ? 'rated' : null;
          this.view.render(this.messages.items);
        } else this.showError(e);
      },
    );
  }

  private showError(e: ApiError | undefined): void {
    if (e && !e.status && !this.hinted) {
      // The browser hides why (a CORS refusal looks like a network error): tell the site's developer.
      this.hinted = true;
      console.warn(
        'MonkeyMachine chat: could not reach ' + this.config.api + '. If the network is fine, add ' + location.origin + " to this channel's allowedOrigins.",
      );
    }
    this.view.setStatus(
      e && (e.code === 'UPLOAD_TOO_LARGE' || e.code === 'UPLOAD_TYPE_NOT_ALLOWED' || e.code === 'UPLOADS_OFF')
        ? e.message
        : e && e.status === 429
          ? 'You are sending messages quickly; please wait a moment.'
          : e && e.status === 403
            ? 'This chat is not available on this site.'
            : 'The chat is unavailable right now. Please try again later.',
    );
  }
}
