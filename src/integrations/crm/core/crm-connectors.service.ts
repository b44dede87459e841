import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { CrmConnector, TenantRef } from '../../../../libs/domain/src';
import { AppConfig } from '../../../config/app-config';
import { IntegrationSecrets } from '../../core/integration-secrets.service';
import { CrmConnectionStore, CrmConnectionWithSecrets } from './crm-connection.store';
import { CrmConnectorKind, CrmConnectorKinds } from './crm-connector-kinds';
import { CrmHttp } from './crm-http';
import { CrmTransport } from './crm-transport';
import { TokenBucket } from './token-bucket';

export interface OpenedConnector {
  connector: CrmConnector;
  transport: CrmTransport;
  kind: CrmConnectorKind;
}

/**
 * Opens connections' connectors: credentials opened in memory for the call, one HTTP client for
 * the app, and one token bucket per connection at the vendor's documented rate, shared by the
 * sync, webhook read-backs and pushes of this instance (runs of one connection hold its advisory
 * lock, so one instance at a time pulls from a CRM).
 */
@Injectable()
export class CrmConnectors implements OnApplicationShutdown {
  private readonly http: CrmHttp;
  private readonly buckets = new Map<string, TokenBucket>();
  /** Benchmarks against fakes with scaled-up limits only: multiplies every vendor rate. */
  rateScale = 1;

  constructor(
    private readonly kinds: CrmConnectorKinds,
    private readonly connections: CrmConnectionStore,
    private readonly secrets: IntegrationSecrets,
    config: AppConfig,
  ) {
    this.http = new CrmHttp(config.webhooksAllowLocalTargets);
  }

  onApplicationShutdown(): void {
    this.http.close();
  }

  /** Null when the connection has no credentials (disconnected) or its kind is not in this build. */
  open(tenant: TenantRef, c: CrmConnectionWithSecrets): OpenedConnector | null {
    const kind = this.kinds.find(c.kind);
    if (!kind || !c.sealedCredentials) return null;
    const credentials = JSON.parse(this.secrets.open(this.connections.secrets, tenant.tenantId, c.id, c.sealedCredentials)) as Record<string, string>;
    const transport = new CrmTransport(this.http, this.bucketFor(c.id, kind), (res) => kind.classify(res));
    const connector = kind.open(
      { connectionId: c.id, baseUrl: new URL(String(c.config.baseUrl ?? kind.defaultBaseUrl)), config: c.config, credentials },
      transport,
    );
    return { connector, transport, kind };
  }

  private bucketFor(connectionId: string, kind: CrmConnectorKind): TokenBucket {
    const { requests, perSeconds, burst } = kind.capabilities.rate;
    const rate = (requests / perSeconds) * this.rateScale;
    let bucket = this.buckets.get(connectionId);
    if (!bucket || bucket.ratePerSecond !== rate) {
      bucket = new TokenBucket(rate, burst);
      this.buckets.set(connectionId, bucket);
    }
    return bucket;
  }
}
