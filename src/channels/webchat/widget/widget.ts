/*
 * widget.js, served by the app (GET /widget.js): the source, type-checked with the DOM library
 * (tsconfig.widget.json) and compiled to one dependency-free ES2017 browser script.
 *
 * Embed:  <script src="https://mm.example/widget.js" data-channel="wc_..." async></script>
 * Options (data-*): channel (required), title, name (the visitor's name), user-id + user-hash
 * (identity verification: hex HMAC-SHA256(identitySecret, userId) from the Customer's server),
 * open (start with the chat open). window.MonkeyMachineChat.open() / .close() drive it.
 *
 * Message text is only ever set with textContent: nothing a visitor or agent writes is HTML.
 * On a site with a nonce-based Content-Security-Policy, give the script tag the page's nonce:
 * the widget's one style element takes it over.
 *
 * A script, not a module: it has no imports or exports, and its names stay inside the function.
 */

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- declaration merging: adds to the DOM's Window
interface Window {
  MonkeyMachineChat?: { open(): void; close(): void };
}

(function () {
  'use strict';

  /** A message as the visitor API lists and streams it. */
  interface ApiMessage {
    id: string;
    clientMessageId: string | null;
    from: 'visitor' | 'agent';
    text: string | null;
    sentAt: string;
  }
  /** A message on screen: one of ours is shown at once, before the API confirms it (`id` null until then). */
  interface ShownMessage {
    id: string | null;
    clientMessageId: string | null;
    from: 'visitor' | 'agent';
    text: string | null;
    sentAt: string;
    state: 'sending' | 'sent' | 'delivered' | 'failed';
  }
  /** A failed API call: the HTTP status (absent for a network or CORS failure) and the API's code. */
  interface ApiError extends Error {
    status?: number;
    code?: string;
  }

  const script = document.currentScript as HTMLScriptElement | null;
  if (!script || window.MonkeyMachineChat) return;
  const key = script.getAttribute('data-channel');
  if (!key) {
    console.error('MonkeyMachine chat: add data-channel="<channel key>" to the script tag');
    return;
  }
  const base = new URL(script.src, location.href).origin;
  const api = base + '/webchat/' + encodeURIComponent(key);
  let userId = script.getAttribute('data-user-id') || null;
  const userHash = script.getAttribute('data-user-hash') || null;
  if (userId && !userHash) {
    console.warn('MonkeyMachine chat: data-user-id needs data-user-hash; chatting anonymously');
    userId = null;
  }
  const visitorName = (script.getAttribute('data-name') || '').trim() || null; // a blank name is refused: send none
  const title = script.getAttribute('data-title') || 'Chat with us';
  const storeKey = 'mm-webchat:' + key;

  let token: string | null = null;
  let starting: Promise<string> | null = null;
  let source: EventSource | null = null;
  let isOpen = false;
  let recovering = false;
  let messages: ShownMessage[] = [];
  let byId: Record<string, ShownMessage> = {};
  let byClientId: Record<string, ShownMessage> = {};

  // ---- storage: one session per channel (and per signed-in user) in this browser
  function loadToken(): string | null {
    try {
      const s = JSON.parse(localStorage.getItem(storeKey) || 'null') as { token?: string; userId?: string | null } | null;
      if (s && s.token && (s.userId || null) === userId) return s.token;
    } catch (e) {
      /* storage blocked: the session lasts as long as the page */
    }
    return null;
  }
  function saveToken(t: string): void {
    try {
      localStorage.setItem(storeKey, JSON.stringify({ token: t, userId: userId }));
    } catch (e) {
      /* ignore */
    }
  }
  function forgetToken(): void {
    token = null;
    try {
      localStorage.removeItem(storeKey);
    } catch (e) {
      /* ignore */
    }
  }

  function request<T>(method: string, path: string, body?: object): Promise<T> {
    const headers: Record<string, string> = {};
    if (token) headers['Authorization'] = 'Bearer ' + token;
    if (body) headers['Content-Type'] = 'application/json';
    return fetch(api + path, {
      method: method,
      headers: headers,
      body: body ? JSON.stringify(body) : undefined,
      mode: 'cors',
      credentials: 'omit',
      cache: 'no-store',
    }).then(function (res) {
      return res.text().then(function (text) {
        let data: { message?: string; code?: string } | null = null;
        try {
          data = text ? JSON.parse(text) : null;
        } catch (e) {
          /* not JSON */
        }
        if (!res.ok) {
          const err: ApiError = new Error((data && data.message) || 'HTTP ' + res.status);
          err.status = res.status;
          err.code = data ? data.code : undefined;
          throw err;
        }
        return data as T;
      });
    });
  }

  function ensureSession(): Promise<string> {
    if (token) return Promise.resolve(token);
    if (starting) return starting;
    const body: { userId?: string; userHash?: string | null; name?: string } = {};
    if (userId) {
      body.userId = userId;
      body.userHash = userHash;
    }
    if (visitorName) body.name = visitorName;
    starting = request<{ token: string }>('POST', '/sessions', body).then(
      function (s) {
        token = s.token;
        saveToken(token);
        starting = null;
        connect();
        return token;
      },
      function (e: unknown) {
        starting = null;
        throw e;
      },
    );
    return starting;
  }

  // ---- live stream: every (re)connect first refetches the list, then applies live events
  function connect(): void {
    if (source) source.close();
    if (!token || typeof EventSource === 'undefined') return;
    const es = new EventSource(api + '/stream?session=' + encodeURIComponent(token));
    source = es;
    es.addEventListener('open', function () {
      setStatus('');
      refresh();
    });
    es.addEventListener('message', function (ev) {
      try {
        upsert(JSON.parse(ev.data) as ApiMessage);
      } catch (e) {
        /* ignore */
      }
    });
    es.addEventListener('error', function () {
      if (es.readyState === 2) {
        // refused: find out why
        source = null;
        setTimeout(recover, 2000);
      } else setStatus('Reconnecting…');
    });
  }
  function recover(): void {
    if (recovering || !token) return;
    recovering = true;
    request('GET', '/messages?limit=1').then(
      function () {
        recovering = false;
        connect();
      },
      function (e: ApiError) {
        recovering = false;
        if (e.status === 404) {
          forgetToken();
          clearMessages();
          setStatus('Your previous chat has ended.');
          if (isOpen || userId) ensureSession().catch(showError);
        } else {
          setStatus('Offline; retrying…');
          setTimeout(recover, 10000);
        }
      },
    );
  }
  function refresh(): Promise<void> {
    if (!token) return Promise.resolve();
    return request<{ items: ApiMessage[] }>('GET', '/messages?limit=100').then(
      function (page) {
        page.items.slice().reverse().forEach(upsert);
      },
      function (e: ApiError) {
        if (e.status === 404) recover();
      },
    );
  }

  // ---- messages
  function upsert(m: ApiMessage): void {
    if (byId[m.id]) return;
    const pending = m.clientMessageId ? byClientId[m.clientMessageId] : undefined;
    if (pending && !pending.id) {
      pending.id = m.id;
      pending.sentAt = m.sentAt;
      pending.state = 'delivered';
      pending.text = m.text;
      byId[m.id] = pending;
    } else {
      const msg: ShownMessage = { id: m.id, clientMessageId: m.clientMessageId, from: m.from, text: m.text, sentAt: m.sentAt, state: 'delivered' };
      byId[m.id] = msg;
      if (m.clientMessageId) byClientId[m.clientMessageId] = msg;
      messages.push(msg);
      messages.sort(function (a, b) {
        if (!a.id || !b.id) return a.id ? -1 : b.id ? 1 : 0; // unconfirmed ones stay last
        return a.sentAt < b.sentAt ? -1 : a.sentAt > b.sentAt ? 1 : 0;
      });
      if (m.from === 'agent' && !isOpen) badge.hidden = false;
    }
    render();
  }
  function clearMessages(): void {
    messages = [];
    byId = {};
    byClientId = {};
    render();
  }
  function newClientId(): string {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    let s = '';
    for (let i = 0; i < 32; i++) s += Math.floor(Math.random() * 16).toString(16);
    return s;
  }
  function send(text: string | null, existing?: ShownMessage): void {
    const msg: ShownMessage = existing || {
      id: null,
      clientMessageId: newClientId(),
      from: 'visitor',
      text: text,
      sentAt: new Date().toISOString(),
      state: 'sending',
    };
    if (!existing) {
      messages.push(msg);
      byClientId[msg.clientMessageId!] = msg;
    }
    msg.state = 'sending';
    render();
    const attempt = function (retried: boolean): Promise<void> {
      return ensureSession()
        .then(function () {
          return request('POST', '/messages', { clientMessageId: msg.clientMessageId, text: msg.text });
        })
        .then(
          function () {
            if (msg.state === 'sending') msg.state = 'sent';
            render();
            setTimeout(function () {
              if (!msg.id) refresh();
            }, 4000); // the stream normally confirms it sooner
          },
          function (e: ApiError) {
            if (e.status === 404 && !retried) {
              forgetToken();
              return attempt(true);
            }
            msg.state = 'failed';
            render();
            showError(e);
          },
        );
    };
    attempt(false);
  }

  // ---- UI (in a shadow root, so the page's CSS and ours never meet)
  const host = document.createElement('div');
  host.setAttribute('data-monkeymachine-chat', '');
  const root: ShadowRoot | HTMLElement = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
  const style = document.createElement('style');
  if (script.nonce) style.nonce = script.nonce; // a page whose CSP allows this script by nonce allows its style too
  style.textContent = [
    ':host{all:initial}',
    '.mm{position:fixed;right:20px;bottom:20px;z-index:2147483000;font:14px/1.4 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328}',
    '.launcher{width:56px;height:56px;border-radius:50%;border:0;background:#2563eb;color:#fff;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25);position:relative;display:flex;align-items:center;justify-content:center}',
    '.badge{position:absolute;top:4px;right:4px;width:12px;height:12px;border-radius:50%;background:#ef4444;border:2px solid #fff}',
    '.panel{position:absolute;right:0;bottom:70px;width:340px;max-width:calc(100vw - 40px);height:460px;max-height:calc(100vh - 110px);background:#fff;border-radius:12px;box-shadow:0 8px 30px rgba(0,0,0,.25);display:flex;flex-direction:column;overflow:hidden}',
    '.head{background:#2563eb;color:#fff;padding:12px 14px;display:flex;align-items:center;justify-content:space-between;font-weight:600}',
    '.close{background:none;border:0;color:#fff;font-size:20px;cursor:pointer;line-height:1}',
    '.list{flex:1;overflow-y:auto;padding:12px;background:#f6f8fa;display:flex;flex-direction:column;gap:6px}',
    '.empty{color:#57606a;text-align:center;margin:auto}',
    '.msg{max-width:78%;padding:8px 11px;border-radius:14px;white-space:pre-wrap;word-wrap:break-word}',
    '.visitor{align-self:flex-end;background:#2563eb;color:#fff;border-bottom-right-radius:4px}',
    '.agent{align-self:flex-start;background:#fff;border:1px solid #d0d7de;border-bottom-left-radius:4px}',
    '.meta{font-size:11px;opacity:.75;margin-top:2px;text-align:right}',
    '.failed{background:#b91c1c;cursor:pointer}',
    '.status{font-size:12px;color:#9a6700;padding:0 12px;min-height:0}',
    'form{display:flex;gap:8px;padding:10px;border-top:1px solid #d0d7de;background:#fff}',
    'textarea{flex:1;resize:none;height:38px;border:1px solid #d0d7de;border-radius:8px;padding:8px;font:inherit}',
    'form button{border:0;border-radius:8px;background:#2563eb;color:#fff;padding:0 14px;font:inherit;cursor:pointer}',
  ].join('\n');
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
  launcher.appendChild(icon);
  const badge = document.createElement('span');
  badge.className = 'badge';
  badge.hidden = true;
  launcher.appendChild(badge);
  wrap.appendChild(panel);
  wrap.appendChild(launcher);
  root.appendChild(style);
  root.appendChild(wrap);

  function render(): void {
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
      el.textContent = m.text == null ? '(deleted)' : m.text;
      if (m.from === 'visitor') {
        const meta = document.createElement('div');
        meta.className = 'meta';
        meta.textContent = m.state === 'sending' ? 'Sending…' : m.state === 'failed' ? 'Not sent. Tap to retry' : m.state === 'sent' ? 'Sent' : 'Delivered';
        el.appendChild(meta);
        if (m.state === 'failed')
          el.addEventListener('click', function () {
            send(null, m);
          });
      }
      list.appendChild(el);
    });
    list.scrollTop = list.scrollHeight;
  }
  function setStatus(text: string): void {
    status.textContent = text;
    status.style.padding = text ? '6px 12px' : '0 12px';
  }
  let hinted = false;
  function showError(e: ApiError | undefined): void {
    if (e && !e.status && !hinted) {
      // The browser hides why (a CORS refusal looks like a network error): tell the site's developer.
      hinted = true;
      console.warn('MonkeyMachine chat: could not reach ' + api + '. If the network is fine, add ' + location.origin + " to this channel's allowedOrigins.");
    }
    setStatus(
      e && e.status === 429
        ? 'You are sending messages quickly; please wait a moment.'
        : e && e.status === 403
          ? 'This chat is not available on this site.'
          : 'The chat is unavailable right now. Please try again later.',
    );
  }
  function open(): void {
    isOpen = true;
    panel.hidden = false;
    badge.hidden = true;
    render();
    input.focus();
    if (!token) ensureSession().catch(showError);
  }
  function close(): void {
    isOpen = false;
    panel.hidden = true;
  }

  launcher.addEventListener('click', function () {
    if (isOpen) close();
    else open();
  });
  closeBtn.addEventListener('click', close);
  form.addEventListener('submit', function (ev) {
    ev.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = '';
    send(text);
  });
  input.addEventListener('keydown', function (ev) {
    if (ev.key === 'Enter' && !ev.shiftKey) {
      ev.preventDefault();
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event('submit'));
    }
  });

  function mount(): void {
    document.body.appendChild(host);
    render();
    token = loadToken();
    if (token)
      connect(); // a returning visitor: history and live replies
    else if (userId)
      ensureSession().catch(function () {
        /* shown when opened */
      });
    if (script!.hasAttribute('data-open')) open();
  }
  // The stream carries replies at once; this slow refresh only covers what it cannot (a reply
  // recorded by another app instance than the one holding the stream).
  setInterval(function () {
    if (isOpen && token && document.visibilityState === 'visible') refresh();
  }, 30000);
  window.MonkeyMachineChat = { open: open, close: close };
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);
})();
