import v8 from 'node:v8';

/** Old space may grow to twice the live heap before V8 collects it (V8's own factor: up to 4). */
export const HEAP_GROWING_PERCENT = 100;

/**
 * The V8 flag `serve` sets, or undefined when whoever started Node chose a value themselves
 * (`node --heap-growing-percent=N`; V8 flags are not allowed in NODE_OPTIONS).
 */
export function heapGrowthFlag(execArgv: readonly string[]): string | undefined {
  if (execArgv.some((arg) => arg.startsWith('--heap-growing-percent'))) return undefined;
  return `--heap-growing-percent=${HEAP_GROWING_PERCENT}`;
}

/**
 * Under load V8 let old space grow to about three times this server's live heap (~30 MB)
 * before a full collection: peak RSS ~187 MB serving PostgreSQL reads. With old space held to
 * twice the live heap it peaked at ~131 MB, at no cost measurable above the machine's noise
 * (docs/performance.md). V8 reads this flag at every collection, so setting it after start
 * takes effect; the semi-space size (the other half of the heap) is fixed at start and is not
 * touched.
 */
export function limitHeapGrowth(): void {
  const flag = heapGrowthFlag(process.execArgv);
  if (flag !== undefined) v8.setFlagsFromString(flag);
}
