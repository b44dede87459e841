/** The widget's own CSS, inside its shadow root: the page's CSS and ours never meet. */
export const WIDGET_CSS = [
  ':host{all:initial}',
  // The panel's display:flex would otherwise beat the hidden attribute: it could never be closed.
  '[hidden]{display:none!important}',
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
