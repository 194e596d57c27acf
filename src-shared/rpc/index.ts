export * from './disposable';
export * from './transport';
export * from './client';
export * from './websocket-transport';
export * from './bridge-transport';
