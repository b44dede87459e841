/**
 * GET /widget-demo: a make-believe Customer website with the widget embedded, and — for the demo
 * organization of a local run — a small agent console that answers through the REST API, so a
 * newcomer can chat with themself. Values reach the HTML escaped, and the console's data as JSON
 * in a script element with `<` escaped.
 */

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const jsonForScript = (v: unknown) =>
  JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');

export interface DemoConsole {
  accessToken: string;
  channelId: string;
  email: string;
  password: string;
}

export interface DemoPage {
  baseUrl: string;
  /** This answer's Content-Security-Policy nonce: the page's inline script and style carry it, and so does widget.js. */
  nonce: string;
  /** The channel the widget talks to, or null when there is none to show. */
  channelKey: string | null;
  /** Present only for the local demo organization. */
  console: DemoConsole | null;
  /** Why there is no channel, when there is none. */
  notice?: string;
}

const STYLE = `
  body{margin:0;font:15px/1.5 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:#1f2328;background:#fff}
  header{background:#0f172a;color:#fff;padding:14px 24px}
  header h1{font-size:18px;margin:0}
  header p{margin:4px 0 0;color:#cbd5e1;font-size:13px}
  main{display:flex;gap:24px;padding:24px;align-items:flex-start;flex-wrap:wrap}
  @media (min-width:1100px){main{padding-right:390px}} /* room for the open chat */
  section{flex:1 1 420px;min-width:320px}
  .site{border:1px solid #d0d7de;border-radius:10px;padding:20px;background:linear-gradient(#fff7ed,#fff)}
  .site h2{margin-top:0}
  pre,code{font:12.5px/1.45 ui-monospace,SFMono-Regular,Menlo,monospace}
  pre{background:#f6f8fa;border:1px solid #d0d7de;border-radius:8px;padding:10px;overflow-x:auto;white-space:pre-wrap;word-break:break-all}
  .console{border:1px solid #d0d7de;border-radius:10px;padding:16px}
  .console h2{margin:0 0 6px;font-size:17px}
  #mm-conversations{list-style:none;padding:0;margin:8px 0;max-height:150px;overflow-y:auto}
  #mm-conversations li{padding:6px 8px;border:1px solid #d0d7de;border-radius:6px;margin-bottom:4px;cursor:pointer}
  #mm-conversations li.active{border-color:#2563eb;background:#eff6ff}
  #mm-thread{height:200px;overflow-y:auto;border:1px solid #d0d7de;border-radius:8px;padding:8px;background:#f6f8fa}
  #mm-thread div{margin:3px 0}
  #mm-reply{display:flex;gap:8px;margin-top:8px}
  #mm-reply input{flex:1;padding:8px;border:1px solid #d0d7de;border-radius:6px;font:inherit}
  #mm-reply button{padding:8px 14px;border:0;border-radius:6px;background:#16a34a;color:#fff;font:inherit;cursor:pointer}
  #mm-events{font:12px ui-monospace,monospace;color:#57606a;max-height:90px;overflow-y:auto}
  .notice{border-left:4px solid #f59e0b;background:#fffbeb;padding:10px 14px;border-radius:4px}
`;

/** The agent console: plain browser JavaScript reading the API like any client would. */
const CONSOLE_JS = String.raw`(function () {
  'use strict';
  var cfg = JSON.parse(document.getElementById('mm-demo-config').textContent);
  var auth = { Authorization: 'Bearer ' + cfg.accessToken };
  var selected = null, pinned = false;   // follows the newest visitor message until a conversation is clicked
  function api(method, path, body) {
    var headers = Object.assign({}, auth);
    if (body) headers['Content-Type'] = 'application/json';
    return fetch(path, { method: method, headers: headers, body: body ? JSON.stringify(body) : undefined }).then(function (r) {
      return r.json().then(function (data) { if (!r.ok) throw new Error(data.message || r.status); return data; });
    });
  }
  function el(tag, text, cls) { var e = document.createElement(tag); if (text != null) e.textContent = text; if (cls) e.className = cls; return e; }
  function loadConversations() {
    return api('GET', '/api/conversations?channelId=' + cfg.channelId + '&limit=20').then(function (page) {
      var ul = document.getElementById('mm-conversations'); ul.textContent = '';
      if (!page.items.length) ul.appendChild(el('li', 'No conversation yet: write something in the chat bubble.'));
      page.items.forEach(function (c) {
        var li = el('li', 'Conversation ' + c.id.slice(0, 8) + ' · ' + c.status + ' · last ' + new Date(c.lastMessageAt).toLocaleTimeString());
        if (selected === c.id) li.className = 'active';
        li.addEventListener('click', function () { selected = c.id; pinned = true; loadConversations(); loadThread(); });
        ul.appendChild(li);
      });
      if (!selected && page.items.length) { selected = page.items[0].id; loadConversations(); loadThread(); }
    });
  }
  function loadThread() {
    if (!selected) return;
    document.getElementById('mm-selected').textContent = selected;
    api('GET', '/api/conversations/' + selected + '/messages?limit=50').then(function (page) {
      var box = document.getElementById('mm-thread'); box.textContent = '';
      page.items.slice().reverse().forEach(function (m) {
        var who = m.direction === 'inbound' ? 'Visitor' : 'Agent';
        box.appendChild(el('div', who + ': ' + (m.text == null ? '(deleted)' : m.text) + (m.status ? '  [' + m.status + ']' : '')));
      });
      box.scrollTop = box.scrollHeight;
    });
  }
  document.getElementById('mm-reply').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = document.getElementById('mm-reply-text');
    var text = input.value.trim();
    if (!text || !selected) return;
    input.value = '';
    api('POST', '/api/conversations/' + selected + '/messages', { text: text }).then(loadThread, function (e) { alert('Could not send: ' + e.message); });
  });

  // The agents' live stream, read with fetch so the token travels in the Authorization header.
  var lastEventId = null;
  function logEvent(text) {
    var log = document.getElementById('mm-events');
    log.insertBefore(el('div', new Date().toLocaleTimeString() + '  ' + text), log.firstChild);
  }
  function follow() {
    var headers = Object.assign({ Accept: 'text/event-stream' }, auth);
    if (lastEventId) headers['Last-Event-ID'] = lastEventId;
    fetch('/api/events', { headers: headers }).then(function (res) {
      if (!res.ok) throw new Error('HTTP ' + res.status);
      logEvent('stream open');
      var reader = res.body.getReader(), decoder = new TextDecoder(), buffer = '';
      function pump() {
        return reader.read().then(function (chunk) {
          if (chunk.done) throw new Error('stream ended');
          buffer += decoder.decode(chunk.value, { stream: true });
          var frames = buffer.split('\n\n'); buffer = frames.pop();
          frames.forEach(function (frame) {
            var ev = {};
            frame.split('\n').forEach(function (line) {
              var i = line.indexOf(':'); if (i <= 0) return;
              ev[line.slice(0, i)] = line.slice(i + 1).trim();
            });
            if (ev.id) lastEventId = ev.id;
            if (!ev.event) return;
            logEvent(ev.event + ' ' + (ev.data || ''));
            if (ev.event === 'message.created' && !pinned) {
              try { var d = JSON.parse(ev.data).data; if (d.direction === 'inbound') selected = d.conversationId; } catch (e) { /* ignore */ }
            }
            if (ev.event.indexOf('message.') === 0 || ev.event === 'conversation.updated' || ev.event === 'reset') { loadConversations(); loadThread(); }
          });
          return pump();
        });
      }
      return pump();
    }).catch(function (e) { logEvent('stream closed (' + e.message + '); reconnecting'); setTimeout(follow, 3000); });
  }
  loadConversations();
  follow();
})();
`;

export function renderWidgetDemo(p: DemoPage): string {
  const base = escapeHtml(p.baseUrl);
  const key = p.channelKey ? escapeHtml(p.channelKey) : null;
  const nonce = escapeHtml(p.nonce);
  const embed = key ? `<script src="${base}/widget.js" data-channel="${key}" async></script>` : null;
  const token = p.console ? escapeHtml(p.console.accessToken) : '$TOKEN';
  const site = `
    <section class="site">
      <h2>Acme Bakery — a Customer's website</h2>
      <p>Fresh bread every morning. Questions about an order? Use the chat bubble in the corner:
      it is <code>widget.js</code>, embedded with one line.</p>
      ${embed ? `<pre>${escapeHtml(embed)}</pre>` : ''}
      ${p.notice ? `<p class="notice">${escapeHtml(p.notice)}</p>` : ''}
      <h3>Use it on your own site</h3>
      <pre>curl -s -X POST ${base}/api/channels -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \\
  -d '{"kind":"webchat","name":"Website chat","config":{"allowedOrigins":["https://www.example.com"]},"credentials":{}}'
# -> config.channelKey goes into data-channel; identitySecret is shown this once (identity verification)</pre>
      <p>Then open <code>${base}/widget-demo?key=&lt;channelKey&gt;</code> (add <code>${base}</code> to allowedOrigins to try it here).</p>
    </section>`;
  const consoleHtml = p.console
    ? `
    <section class="console">
      <h2>Agent console (the REST API)</h2>
      <p>Signed in as the local demo organization <code>${escapeHtml(p.console.email)}</code>
      (password <code>${escapeHtml(p.console.password)}</code>). Write in the bubble, then answer here.</p>
      <ul id="mm-conversations"></ul>
      <div>Conversation <code id="mm-selected">—</code></div>
      <div id="mm-thread"></div>
      <form id="mm-reply"><input id="mm-reply-text" placeholder="Answer as an agent…" autocomplete="off"><button>Reply</button></form>
      <h3>The same with curl</h3>
      <pre>TOKEN='${token}'
curl -s '${base}/api/conversations?channelId=${escapeHtml(p.console.channelId)}' -H "Authorization: Bearer $TOKEN"
curl -s -X POST ${base}/api/conversations/&lt;id&gt;/messages -H "Authorization: Bearer $TOKEN" \\
  -H 'Content-Type: application/json' -d '{"text":"Hello from the API"}'
curl -N ${base}/api/events -H "Authorization: Bearer $TOKEN"   # the live stream</pre>
      <h3>Live events (GET /api/events)</h3>
      <div id="mm-events"></div>
    </section>
    <script type="application/json" id="mm-demo-config">${jsonForScript(p.console)}</script>
    <script nonce="${nonce}">${CONSOLE_JS}</script>`
    : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>MonkeyMachine web chat demo</title>
<style nonce="${nonce}">${STYLE}</style>
</head>
<body>
<header><h1>MonkeyMachine web chat demo</h1><p>The widget on the left is what End Users see; the right side is what an agent does through the API.</p></header>
<main>${site}${consoleHtml}</main>
${key ? `<script src="${base}/widget.js" data-channel="${key}" nonce="${nonce}" data-open async></script>` : ''}
</body>
</html>
`;
}
