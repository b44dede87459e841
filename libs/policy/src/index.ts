export * from './messaging-window';
export * from './card-numbers';
export * from './channel-lifecycle';
export * from './retention';
export * from './purpose';
export * from './business-hours';
export * from './media-limits';
export * from './csat';
