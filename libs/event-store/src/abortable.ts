export const ABORTED = Symbol('aborted');

/**
 * `work`'s outcome, or ABORTED as soon as `signal` aborts. For wait loops: racing each turn's wait
 * against one long-lived "stop" promise with Promise.race leaves a reaction on that promise per
 * turn, holding what the turn resolved with (an event, a batch) until the loop ends. Here the
 * abort listener goes as soon as `work` settles.
 */
export function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T | typeof ABORTED> {
  if (signal.aborted) return Promise.resolve(ABORTED);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(ABORTED);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
