// A small typed event bus: a part announces what changed and whoever cares listens, so no part
// holds a reference to one that starts after it (no late binding, STYLE "data flows one way").
import type { Logger } from '../log.ts';

export type Listener<T> = (payload: T) => void;

export interface EventBus<E extends object> {
  on<K extends keyof E>(name: K, listener: Listener<E[K]>): () => void;
  emit<K extends keyof E>(name: K, payload: E[K]): void;
}

export function createEventBus<E extends object>(logger: Logger): EventBus<E> {
  const listeners = new Map<keyof E, Set<Listener<never>>>();
  return {
    on(name, listener) {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      set.add(listener as Listener<never>);
      return () => set.delete(listener as Listener<never>);
    },
    emit(name, payload) {
      for (const l of listeners.get(name) ?? []) {
        // One listener's bug must not stop the others hearing the event, nor the emitter.
        try {
          (l as Listener<typeof payload>)(payload);
        } catch (err) {
          logger.error('event listener failed', { event: String(name), error: err });
        }
      }
    },
  };
}
