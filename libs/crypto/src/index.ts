export * from './errors';
export * from './keyring';
export * from './secret-box';
export * from './constant-time';
