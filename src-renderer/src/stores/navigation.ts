import { defineStore } from 'pinia';
import { shallowRef } from 'vue';
import { useProjectStore } from './project';

/** A request to show a source line: the editor opens the file's tab and brings the line into view. */
export interface RevealRequest {
  file: string;
  line: number;
  /** Moves on every request, so asking for the same line twice shows it twice. */
  nonce: number;
}

/**
 * Going to a source line from anywhere in the window (a console row's file:line, a finding): the
 * editor watches `request`.
 */
export const useNavigationStore = defineStore('navigation', () => {
  const request = shallowRef<RevealRequest>();
  let nonce = 0;

  /** Shows `file` at `line` in the editor; returns why not when it cannot (not a file of the project). */
  function reveal(file: string, line: number): string | undefined {
    const project = useProjectStore();
    if (!(file in project.files)) return `${file} is not a file of this project`;
    request.value = { file, line: Math.max(1, Math.floor(line)), nonce: ++nonce };
    return undefined;
  }

  return { request, reveal };
});
