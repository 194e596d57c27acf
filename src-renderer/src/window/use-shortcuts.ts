import { onBeforeUnmount, onMounted } from 'vue';
import { useEngineStore } from '../stores/engine';
import { useProjectStore } from '../stores/project';
import { useProjectsStore } from '../stores/projects';
import { useReplayStore } from '../stores/replay';
import { shortcutFor, type ShortcutCommand } from './shortcuts';

/** Whether the run of the current project can be started (not during a read-only replay or a build). */
export function canRun(): boolean {
  return useEngineStore().state === 'connected' && !useProjectStore().building && !useReplayStore().active;
}

/** Does what a shortcut (or its button) means. */
export function perform(command: ShortcutCommand): void {
  const project = useProjectStore();
  const projects = useProjectsStore();
  const engine = useEngineStore();
  switch (command) {
    case 'build':
      if (engine.state === 'connected' && !project.building) void project.build();
      return;
    case 'run':
      if (canRun()) void project.run();
      return;
    case 'stop': {
      const runId = project.runId;
      if (engine.client && runId && !useReplayStore().active && (project.runState === 'running' || project.runState === 'paused')) {
        void engine.client.call('run.control', { runId, action: 'stop' }).catch(() => undefined);
      }
      return;
    }
    case 'save':
      void projects.save();
      return;
    case 'saveAs':
      void projects.saveAs();
      return;
    case 'open':
      void projects.open();
      return;
  }
}

/**
 * Installs the window's shortcuts (window/shortcuts.ts) for the component's lifetime. They are
 * caught before anything else sees the key (Monaco, the browser's F5 and Ctrl+S), in capture.
 */
export function useShortcuts(): void {
  const onKey = (event: KeyboardEvent): void => {
    const command = shortcutFor(event);
    if (!command) return;
    event.preventDefault();
    event.stopPropagation();
    if (!event.repeat) perform(command);
  };
  onMounted(() => window.addEventListener('keydown', onKey, { capture: true }));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey, { capture: true }));
}
