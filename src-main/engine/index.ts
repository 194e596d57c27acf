export { LabEngine, type LabEngineOptions } from './lab-engine';
export { LabServer, ServerConnection } from './lab-server';
export { EventHub } from './event-hub';
export { MemoryTransport } from './memory-transport';
export { ENGINE_NAME, ENGINE_VERSION } from './version';
