import { ChannelGateway, ChannelKind } from '../../libs/domain/src';

/** The registry of adapters, one per channel kind; the sender looks gateways up here. */
export class ChannelGateways {
  private readonly byKind = new Map<ChannelKind, ChannelGateway>();

  constructor(gateways: ChannelGateway[]) {
    for (const g of gateways) for (const kind of g.kinds) this.byKind.set(kind, g);
  }

  for(kind: ChannelKind): ChannelGateway {
    const g = this.byKind.get(kind);
    if (!g) throw new Error(`no gateway for channel kind ${kind}`);
    return g;
  }

  kinds(): ChannelKind[] {
    return [...this.byKind.keys()];
  }
}
