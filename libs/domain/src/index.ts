export * from './tenant';
export * from './errors';
export * from './conversation';
export * from './pagination';
export * from './conversation.repository';
export * from './channel-gateway';
export * from './inbound-event';
export * from './clock';
