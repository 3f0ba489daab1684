// Synchronous waits for commands that have nothing else to do meanwhile: a plain sleep,
// and the one polling loop every bounded wait of the runtime goes through.
const cell = new Int32Array(new SharedArrayBuffer(4));

export function sleepMs(ms: number): void {
  Atomics.wait(cell, 0, 0, ms);
}

/** Ask `done` until it says true or `timeoutMs` has passed, pausing 1 ms, then twice as
 * long each time up to `maxPauseMs`: quick when the wait is short, cheap when it is not.
 * Returns whether `done` said true. */
export function waitUntil(done: () => boolean, timeoutMs: number, maxPauseMs = 20): boolean {
  const deadline = Date.now() + timeoutMs;
  for (let pause = 1; !done(); pause = Math.min(pause * 2, maxPauseMs)) {
    const left = deadline - Date.now();
    if (left <= 0) return false;
    sleepMs(Math.min(pause, left));
  }
  return true;
}
