import type { ApiAttachment } from './api';
import type { ShownMessage } from './messages';
import { WIDGET_CSS } from './styles';

/** What the visitor does in the widget. */
export interface ViewEvents {
  toggle(): void;
  close(): void;
  /** A message typed and sent (trimmed, never blank). */
  submit(text: string): void;
  /** A failed message tapped to send again. */
  retry(m: ShownMessage): void;
  /** A rating (1-5) chosen under a message that asks for one. */
  rate(m: ShownMessage, rating: number): void;
  /** A file chosen to send. */
  attach(file: File): void;
  /** A file of the chat as a blob: URL (it needs the session token, which an <img> cannot send). */
  fileUrl(path: string): Promise<string>;
}

/**
 * The widget on the page: a launcher and a panel in a shadow root. Message text is only ever set
 * with textContent: nothing a visitor or agent writes is HTML.
 */
export class ChatView {
  readonly host: HTMLElement;
  private readonly panel: HTMLElement;
  private readonly list: HTMLElement;
  private readonly status: HTMLElement;
  private readonly input: HTMLTextAreaElement;
  private readonly badge: HTMLElement;
  private readonly retry: (m: ShownMessage) => void;
  private readonly rate: (m: ShownMessage, rating: number) => void;
  private readonly files: FileLinks;

  constructor(title: string, script: HTMLScriptElement, on: ViewEvents) {
    const host = document.createElement('div');
    host.setAttribute('data-monkeymachine-chat', '');
    const root: ShadowRoot | HTMLElement = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
    const style = document.createElement('style');
    if (script.nonce) style.nonce = script.nonce; // a page whose CSP allows this script by nonce allows its style too
    style.textContent = WIDGET_CSS;
    const wrap = document.createElement('div');
    wrap.className = 'mm';
    const panel = document.createElement('div');
    panel.className = 'panel';
    panel.hidden = true;
    panel.setAttribute('role', 'dialog');
    panel.setAttribute('aria-label', title);
    const head = document.createElement('div');
    head.className = 'head';
    const headTitle = document.createElement('span');
    headTitle.textContent = title;
    const closeBtn = document.createElement('button');
    closeBtn.className = 'close';
    closeBtn.type = 'button';
    closeBtn.setAttribute('aria-label', 'Close chat');
    closeBtn.textContent = '×';
    head.appendChild(headTitle);
    head.appendChild(closeBtn);
    const list = document.createElement('div');
    list.className = 'list';
    list.setAttribute('aria-live', 'polite');
    const status = document.createElement('div');
    status.className = 'status';
    const form = document.createElement('form');
    const input = document.createElement('textarea');
    input.placeholder = 'Write a message…';
    input.maxLength = 4000;
    input.setAttribute('aria-label', 'Message');
    const sendBtn = document.createElement('button');
    sendBtn.type = 'submit';
    sendBtn.textContent = 'Send';
    const picker = document.createElement('input');
    picker.type = 'file';
    picker.hidden = true;
    picker.setAttribute('aria-label', 'File to send');
    const attachBtn = document.createElement('button');
    attachBtn.type = 'button';
    attachBtn.className = 'attach';
    attachBtn.setAttribute('aria-label', 'Attach a file');
    attachBtn.textContent = '📎';
    form.appendChild(attachBtn);
    form.appendChild(picker);
    form.appendChild(input);
    form.appendChild(sendBtn);
    panel.appendChild(head);
    panel.appendChild(list);
    panel.appendChild(status);
    panel.appendChild(form);
    const launcher = document.createElement('button');
    launcher.className = 'launcher';
    launcher.type = 'button';
    launcher.setAttribute('aria-label', title);
    launcher.appendChild(chatIcon());
    const badge = document.createElement('span');
    badge.className = 'badge';
    badge.hidden = true;
    launcher.appendChild(badge);
    wrap.appendChild(panel);
    wrap.appendChild(launcher);
    root.appendChild(style);
    root.appendChild(wrap);

    launcher.addEventListener('click', function () {
      on.toggle();
    });
    closeBtn.addEventListener('click', function () {
      on.close();
    });
    form.addEventListener('submit', function (ev) {
      ev.preventDefault();
      const text = input.value.trim();
      if (!text) return;
      input.value = '';
      on.submit(text);
    });
    attachBtn.addEventListener('click', function () {
      picker.click();
    });
    picker.addEventListener('change', function () {
      const file = picker.files && picker.files[0];
      picker.value = '';
      if (file) on.attach(file);
    });
    input.addEventListener('keydown', function (ev) {
      if (ev.key === 'Enter' && !ev.shiftKey) {
        ev.preventDefault();
        if (form.requestSubmit) form.requestSubmit();
        else form.dispatchEvent(new Event('submit'));
      }
    });

    this.host = host;
    this.panel = panel;
    this.list = list;
    this.status = status;
    this.input = input;
    this.badge = badge;
    this.retry = on.retry;
    this.rate = on.rate;
    this.files = new FileLinks(on.fileUrl);
  }

  render(messages: readonly ShownMessage[]): void {
    const list = this.list;
    const retry = this.retry;
    const rate = this.rate;
    const files = this.files;
    // Only the latest survey can be rated from here (the API rates the latest one).
    let asking: ShownMessage | undefined;
    messages.forEach(function (m) {
      if (m.survey) asking = m;
    });
    list.textContent = '';
    if (messages.length === 0) {
      const empty = document.createElement('div');
      empty.className = 'empty';
      empty.textContent = 'Ask us anything. We usually answer within minutes.';
      list.appendChild(empty);
    }
    messages.forEach(function (m) {
      const el = document.createElement('div');
      el.className = 'msg ' + (m.from === 'agent' ? 'agent' : 'visitor') + (m.state === 'failed' ? ' failed' : '');
      el.textContent = m.text == null ? (m.attachments.length ? '' : '(deleted)') : m.text;
      m.attachments.forEach(function (a) {
        el.appendChild(files.render(a));
      });
      if (m.from === 'visitor') {
        const meta = document.createElement('div');
        meta.className = 'meta';
        meta.textContent = m.state === 'sending' ? 'Sending…' : m.state === 'failed' ? 'Not sent. Tap to retry' : m.state === 'sent' ? 'Sent' : 'Delivered';
        el.appendChild(meta);
        if (m.state === 'failed')
          el.addEventListener('click', function () {
            retry(m);
          });
      }
      list.appendChild(el);
      if (m === asking && m.survey === 'waiting') list.appendChild(ratingButtons(m, rate));
      else if (m.survey === 'rated') {
        const thanks = document.createElement('div');
        thanks.className = 'meta thanks';
        thanks.textContent = 'Thank you for your rating!';
        list.appendChild(thanks);
      }
    });
    list.scrollTop = list.scrollHeight;
  }

  setStatus(text: string): void {
    this.status.textContent = text;
    this.status.style.padding = text ? '6px 12px' : '0 12px';
  }

  /** An agent's reply arrived while the panel is closed. */
  showBadge(): void {
    this.badge.hidden = false;
  }

  openPanel(messages: readonly ShownMessage[]): void {
    this.panel.hidden = false;
    this.badge.hidden = true;
    this.render(messages);
    this.input.focus();
  }

  closePanel(): void {
    this.panel.hidden = true;
  }
}

/**
 * A message's files: pictures shown, other files as a button that downloads them. The bytes come
 * from blob: URLs fetched once each with the session token (never from a URL anyone could open).
 */
class FileLinks {
  private readonly urls: Record<string, Promise<string>> = {};

  constructor(private readonly fetchUrl: (path: string) => Promise<string>) {}

  render(a: ApiAttachment): HTMLElement {
    const name = a.name || 'file';
    if (!a.url) {
      const pending = document.createElement('div');
      pending.className = 'file';
      pending.textContent = '📎 ' + name;
      return pending;
    }
    const path = a.url;
    const url = a.url.charAt(0) === '/' ? this.load(path) : Promise.resolve(a.url);
    if (a.type === 'image') {
      const img = document.createElement('img');
      img.alt = name;
      img.className = 'picture';
      url.then(
        function (u) {
          img.src = u;
        },
        function () {
          img.alt = name + ' (unavailable)';
        },
      );
      return img;
    }
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'file';
    button.textContent = '📎 ' + name;
    button.addEventListener('click', function () {
      url.then(function (u) {
        const link = document.createElement('a');
        link.href = u;
        link.download = name;
        link.rel = 'noopener';
        link.click();
      });
    });
    return button;
  }

  private load(path: string): Promise<string> {
    const known = this.urls[path];
    if (known) return known;
    const loading = this.fetchUrl(path);
    this.urls[path] = loading;
    loading.catch(() => delete this.urls[path]);
    return loading;
  }
}

/** Five buttons, 1 (poor) to 5 (excellent), under the message that asks. */
function ratingButtons(m: ShownMessage, rate: (m: ShownMessage, rating: number) => void): HTMLElement {
  const row = document.createElement('div');
  row.className = 'rate';
  row.setAttribute('role', 'group');
  row.setAttribute('aria-label', 'Rate the help you received');
  for (let i = 1; i <= 5; i++) {
    const b = document.createElement('button');
    b.type = 'button';
    b.textContent = String(i);
    b.setAttribute('aria-label', 'Rate ' + i + ' of 5');
    b.addEventListener('click', function () {
      rate(m, i);
    });
    row.appendChild(b);
  }
  return row;
}

function chatIcon(): SVGElement {
  const svgNs = 'http://www.w3.org/2000/svg';
  const icon = document.createElementNS(svgNs, 'svg');
  icon.setAttribute('viewBox', '0 0 24 24');
  icon.setAttribute('width', '28');
  icon.setAttribute('height', '28');
  icon.setAttribute('aria-hidden', 'true');
  const bubble = document.createElementNS(svgNs, 'path');
  bubble.setAttribute('fill', 'currentColor');
  bubble.setAttribute(
    'd',
    'M4 3h16a2 2 0 0 1 2 2v11a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01zm5 0a1.5 1.5 0 1 0 0 .01z',
  );
  icon.appendChild(bubble);
  return icon;
}
