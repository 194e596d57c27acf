import { onBeforeUnmount, onMounted, type Ref } from 'vue';

/** Calls `measure` once the component is mounted and whenever `target` changes size, until it unmounts. */
export function useResize(target: Ref<HTMLElement | undefined>, measure: () => void): void {
  let observer: ResizeObserver | undefined;
  onMounted(() => {
    measure();
    if (typeof ResizeObserver === 'function' && target.value) {
      observer = new ResizeObserver(measure);
      observer.observe(target.value);
    }
  });
  onBeforeUnmount(() => observer?.disconnect());
}
