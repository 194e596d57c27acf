export * from './version';
export * from './build';
export * from './commands';
export * from './events';
export * from './errors';
export * from './frames';
export * from './channels';
