import type { AppConfig } from '../config/app-config';
import { ChannelAdapters } from './channel-adapter';
import { metaAdapters } from './meta/meta-adapters';

/** The one list of channel kinds on offer: a new channel adds its adapter here. */
export function buildChannelAdapters(config: AppConfig): ChannelAdapters {
  return new ChannelAdapters([...metaAdapters(config.meta.graphUrl)]);
}
