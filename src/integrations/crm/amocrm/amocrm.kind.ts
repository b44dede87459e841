import { Injectable } from '@nestjs/common';
import { CrmCallError, CrmCapabilities, CrmConnector, invalid } from '../../../../libs/domain/src';
import { CrmConnectionSettings, CrmConnectorKind } from '../core/crm-connector-kinds';
import type { CrmHttpResponse } from '../core/crm-http';
import type { CrmOAuth, CrmOAuthSettings, CrmTokenSet } from '../core/crm-oauth';
import type { CrmTransport } from '../core/crm-transport';
import { AMO_PAGE_SIZE, AmoConnector } from './amocrm.connector';

const TOKEN = /^[\x21-\x7e]{8,4096}$/;
const SUBDOMAIN = /^[a-z0-9][a-z0-9-]{0,62}$/;

const capabilities: CrmCapabilities = {
  entities: { client: 'incremental', deal: 'incremental' },
  pageSize: { client: AMO_PAGE_SIZE, deal: AMO_PAGE_SIZE },
  // At most 7 requests a second per account; floods get the address restricted. No burst is relied on.
  rate: { requests: 7, perSeconds: 1, burst: 1 },
  pushClients: true,
  refreshesTokens: true,
};

/** amoCRM and Kommo: the same API v4, on `{sub}.amocrm.ru` or `{sub}.kommo.com`, the authorization page on www. */
abstract class AmoFamily extends CrmConnectorKind {
  protected abstract readonly accountDomain: string;
  protected abstract readonly authorizeBase: string;
  readonly defaultBaseUrl = null;
  readonly capabilities = capabilities;
  readonly describe = {
    config: '{subdomain} or {baseUrl} (the account), {clientId} for OAuth, {oauthBaseUrl?} (the authorization page host)',
    credentials: '{clientSecret} (OAuth: the answer carries authorizeUrl) or {accessToken} (a long-lived token)',
  };

  /** The account's base URL from config.subdomain (config.baseUrl wins when given). */
  baseUrlFrom(config: Record<string, unknown>): string | null {
    return typeof config.subdomain === 'string' && SUBDOMAIN.test(config.subdomain) ? `https://${config.subdomain}.${this.accountDomain}` : null;
  }

  validate(config: Record<string, unknown>, credentials: Record<string, unknown>): { config: Record<string, unknown>; credentials: Record<string, string> } {
    const extra = Object.keys(config).filter((k) => !['subdomain', 'clientId', 'oauthBaseUrl'].includes(k));
    if (extra.length) throw invalid('INVALID_CRM_CONFIG', `config has unknown fields: ${extra.slice(0, 5).join(', ')}`);
    if (config.subdomain !== undefined && (typeof config.subdomain !== 'string' || !SUBDOMAIN.test(config.subdomain))) {
      throw invalid('INVALID_CRM_CONFIG', `config.subdomain must be the account's name (acme for acme.${this.accountDomain})`);
    }
    const { clientSecret, accessToken } = credentials;
    if (typeof accessToken === 'string') {
      if (!TOKEN.test(accessToken)) throw invalid('INVALID_CRM_CREDENTIALS', 'credentials.accessToken must be the long-lived token');
      return { config: { ...(config.subdomain ? { subdomain: config.subdomain } : {}) }, credentials: { accessToken } };
    }
    if (typeof clientSecret !== 'string' || !TOKEN.test(clientSecret))
      throw invalid('INVALID_CRM_CREDENTIALS', 'credentials must be {clientSecret} (OAuth) or {accessToken} (a long-lived token)');
    if (typeof config.clientId !== 'string' || !/^[A-Za-z0-9-]{8,64}$/.test(config.clientId))
      throw invalid('INVALID_CRM_CONFIG', "config.clientId must be the integration's ID (OAuth)");
    return {
      config: {
        ...(config.subdomain ? { subdomain: config.subdomain } : {}),
        clientId: config.clientId,
        ...(config.oauthBaseUrl ? { oauthBaseUrl: config.oauthBaseUrl } : {}),
      },
      credentials: { clientSecret },
    };
  }

  classify(res: CrmHttpResponse): CrmCallError | null {
    return AmoConnector.classify(res);
  }

  open(s: CrmConnectionSettings, transport: CrmTransport): CrmConnector {
    if (!s.tokens) throw new CrmCallError('unauthorized', 'the integration is not authorized yet');
    return new AmoConnector(transport, { baseUrl: s.baseUrl, tokens: s.tokens, capabilities: this.capabilities });
  }

  readonly oauth: CrmOAuth = {
    authorizeUrl: (config, state) => {
      const url = new URL('/oauth', String(config.oauthBaseUrl ?? this.authorizeBase));
      url.searchParams.set('client_id', String(config.clientId));
      url.searchParams.set('state', state);
      url.searchParams.set('mode', 'post_message');
      return url.toString();
    },
    accountOf: (referer, settings) => {
      // `referer` is the account's host (acme.amocrm.ru): it must be the connection's own, never another.
      const host = referer
        .replace(/^https?:\/\//, '')
        .replace(/\/.*$/, '')
        .toLowerCase();
      return host && host === settings.baseUrl.host.toLowerCase() ? settings.baseUrl : null;
    },
    exchange: (transport, s, code, redirectUri) => this.tokenCall(transport, s, { grant_type: 'authorization_code', code, redirect_uri: redirectUri }),
    refresh: (transport, s, refreshToken, redirectUri) =>
      this.tokenCall(transport, s, { grant_type: 'refresh_token', refresh_token: refreshToken, redirect_uri: redirectUri }),
  };

  private async tokenCall(transport: CrmTransport, s: CrmOAuthSettings, grant: Record<string, string>): Promise<CrmTokenSet> {
    const url = new URL(`${s.baseUrl.toString().replace(/\/$/, '')}/oauth2/access_token`);
    const what = grant.grant_type === 'refresh_token' ? 'token refresh' : 'authorization code';
    const res = await transport
      .call({ method: 'POST', url, body: { client_id: s.config.clientId, client_secret: s.credentials.clientSecret, ...grant } })
      .catch((err: unknown) => {
        // A refused grant (a dead refresh token, a spent code) means the Customer must authorize again.
        if (err instanceof CrmCallError && err.failure === 'refused')
          throw new CrmCallError('unauthorized', `amoCRM refused the ${what}: ${err.message}`, err.status);
        throw err;
      });
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(res.text);
    } catch {
      // judged below
    }
    if (res.status >= 400 || typeof body.access_token !== 'string' || typeof body.refresh_token !== 'string') {
      const why =
        typeof body.hint === 'string'
          ? body.hint
          : typeof body.detail === 'string'
            ? body.detail
            : typeof body.title === 'string'
              ? body.title
              : `HTTP ${res.status}`;
      throw new CrmCallError(
        'unauthorized',
        `amoCRM refused the ${grant.grant_type === 'refresh_token' ? 'token refresh' : 'authorization code'}: ${String(why).slice(0, 200)}`,
        res.status,
      );
    }
    const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 86400;
    return { accessToken: body.access_token, refreshToken: body.refresh_token, expiresAt: Date.now() + expiresIn * 1000 };
  }
}

@Injectable()
export class AmocrmKind extends AmoFamily {
  readonly kind = 'amocrm';
  readonly vendor = 'amoCRM (OOO «амоСРМ»)';
  protected readonly accountDomain = 'amocrm.ru';
  protected readonly authorizeBase = 'https://www.amocrm.ru';
}

@Injectable()
export class KommoKind extends AmoFamily {
  readonly kind = 'kommo';
  readonly vendor = 'Kommo';
  protected readonly accountDomain = 'kommo.com';
  protected readonly authorizeBase = 'https://www.kommo.com';
}
