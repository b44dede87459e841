import { cleanup } from '@testing-library/react';
import { setupI18n } from '../src/i18n';

// What Mantine reads from a real browser and jsdom lacks.
Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener() {},
    removeListener() {},
    addEventListener() {},
    removeEventListener() {},
    dispatchEvent: () => false,
  }),
});
class NoResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
Object.assign(window, { ResizeObserver: NoResizeObserver });
window.HTMLElement.prototype.scrollIntoView = function scrollIntoView() {};

setupI18n('en');
afterEach(() => cleanup());
