import { defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { EngineInfo, LabEvent, ToolchainStatus } from '../../../src-shared/contract';
import type { LabClient } from '../../../src-shared/rpc';
import { connectLab } from '../transport/connect';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected' | 'failed';

/** The engine connection, its identity and liveness, derived from the command round trip and events. */
export const useEngineStore = defineStore('engine', () => {
  const client = shallowRef<LabClient>();
  const state = ref<ConnectionState>('connecting');
  const transportKind = ref<'electron' | 'websocket'>();
  const info = ref<EngineInfo>();
  const uptimeMs = ref(0);
  const lastError = ref<string>();
  const eventCount = ref(0);
  const toolchain = ref<ToolchainStatus>();
  const eventListeners = new Set<(events: LabEvent[]) => void>();

  const version = computed(() => info.value?.version ?? '');

  async function connect(): Promise<void> {
    state.value = 'connecting';
    try {
      const connected = await connectLab();
      client.value = connected.client;
      transportKind.value = connected.kind;
      connected.client.onEvents((events) => {
        eventCount.value += events.length;
        for (const event of events) {
          if (event.kind === 'engine.heartbeat') uptimeMs.value = event.uptimeMs;
          else if (event.kind === 'toolchain.status') toolchain.value = event.status;
        }
        for (const listener of eventListeners) listener(events);
      });
      connected.client.onError((error) => (lastError.value = error.message));
      connected.client.onClose((reason) => {
        state.value = 'disconnected';
        lastError.value = `engine connection closed: ${reason}`;
      });
      info.value = await connected.client.call('engine.info', {});
      toolchain.value ??= await connected.client.call('toolchain.status', {});
      uptimeMs.value = info.value.uptimeMs;
      state.value = 'connected';
    } catch (error) {
      state.value = 'failed';
      lastError.value = error instanceof Error ? error.message : String(error);
    }
  }

  /** Lets other stores follow the event stream without touching the transport. */
  function onEvents(listener: (events: LabEvent[]) => void): () => void {
    eventListeners.add(listener);
    return () => eventListeners.delete(listener);
  }

  /** Hands events to the listeners as if the engine had sent them (an imported session log replays this way). */
  function dispatch(events: LabEvent[]): void {
    for (const listener of eventListeners) listener(events);
  }

  return { client, state, transportKind, info, version, uptimeMs, lastError, eventCount, toolchain, connect, onEvents, dispatch };
});
