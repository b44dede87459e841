/*
 * widget.js, served by the app (GET /widget.js): these modules, type-checked with the DOM library
 * (tsconfig.widget.json) and joined into one dependency-free ES2017 browser script whose names
 * stay inside one function (../widget-bundle.ts). This one runs first: it reads the script tag
 * and starts the chat.
 *
 * Embed:  <script src="https://mm.example/widget.js" data-channel="wc_..." async></script>
 * Options (data-*): channel (required), title, name (the visitor's name), user-id + user-hash
 * (identity verification: hex HMAC-SHA256(identitySecret, userId) from the Customer's server),
 * open (start with the chat open). window.MonkeyMachineChat.open() / .close() drive it.
 *
 * On a site with a nonce-based Content-Security-Policy, give the script tag the page's nonce:
 * the widget's one style element takes it over.
 */
import { Chat } from './chat';
import { readConfig } from './config';

declare global {
  interface Window {
    MonkeyMachineChat?: { open(): void; close(): void };
  }
}

const script = document.currentScript as HTMLScriptElement | null;
const config = script && !window.MonkeyMachineChat ? readConfig(script) : null;
if (config) {
  const chat = new Chat(config);
  window.MonkeyMachineChat = {
    open: function () {
      chat.open();
    },
    close: function () {
      chat.close();
    },
  };
  if (document.body) chat.mount();
  else
    document.addEventListener('DOMContentLoaded', function () {
      chat.mount();
    });
}
