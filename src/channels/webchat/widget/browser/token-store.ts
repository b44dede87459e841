/** One session per channel (and per signed-in user) in this browser, kept in localStorage when the page may. */
export interface TokenStore {
  load(): string | null;
  save(token: string): void;
  forget(): void;
}

export function tokenStore(storeKey: string, userId: string | null): TokenStore {
  return {
    load: function () {
      try {
        const s = JSON.parse(localStorage.getItem(storeKey) || 'null') as { token?: string; userId?: string | null } | null;
        if (s && s.token && (s.userId || null) === userId) return s.token;
      } catch (e) {
        /* storage blocked: the session lasts as long as the page */
      }
      return null;
    },
    save: function (token) {
      try {
        localStorage.setItem(storeKey, JSON.stringify({ token: token, userId: userId }));
      } catch (e) {
        /* ignore */
      }
    },
    forget: function () {
      try {
        localStorage.removeItem(storeKey);
      } catch (e) {
        /* ignore */
      }
    },
  };
}
