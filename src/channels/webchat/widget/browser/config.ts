/** What the embedding page's script tag asks for (its data-* attributes), read once at load. */
export interface WidgetConfig {
  /** The API of this channel's visitors: <origin of widget.js>/webchat/<channel key>. */
  api: string;
  /** The signed-in user the Customer's site vouches for (data-user-id + data-user-hash), or null. */
  userId: string | null;
  userHash: string | null;
  visitorName: string | null;
  title: string;
  /** Where this browser keeps the session of this channel. */
  storeKey: string;
  /** The script tag: on a page with a nonce-based CSP, its nonce is the widget's style element's too. */
  script: HTMLScriptElement;
  startOpen: boolean;
}

/** The configuration, or null (with a console message for the site's developer) without a channel key. */
export function readConfig(script: HTMLScriptElement): WidgetConfig | null {
  const key = script.getAttribute('data-channel');
  if (!key) {
    console.error('MonkeyMachine chat: add data-channel="<channel key>" to the script tag');
    return null;
  }
  let userId = script.getAttribute('data-user-id') || null;
  const userHash = script.getAttribute('data-user-hash') || null;
  if (userId && !userHash) {
    console.warn('MonkeyMachine chat: data-user-id needs data-user-hash; chatting anonymously');
    userId = null;
  }
  return {
    api: new URL(script.src, location.href).origin + '/webchat/' + encodeURIComponent(key),
    userId: userId,
    userHash: userHash,
    visitorName: (script.getAttribute('data-name') || '').trim() || null, // a blank name is refused: send none
    title: script.getAttribute('data-title') || 'Chat with us',
    storeKey: 'mm-webchat:' + key,
    script: script,
    startOpen: script.hasAttribute('data-open'),
  };
}
