/**
 * Answers computed during one turn of the event loop, written together when the turn's I/O
 * callbacks are done (`setImmediate`: the check phase follows the poll phase that read the
 * requests, and the poll phase does not wait for I/O while one is pending).
 *
 * Why: on loopback (the benchmark, or a client on the same machine) each socket write does the
 * client's side of TCP too, and wakes the client if it sleeps waiting for an answer — on a
 * virtual machine an interrupt to an idle CPU. Written one at a time, each between the
 * computations of the next requests, nearly every answer finds the client asleep again; written
 * back to back, the later ones find it awake. In a CPU profile of retrieves under wrk, the
 * `writev` of the answers was ~40 % of the server's busy time (docs/performance.md, session 14,
 * has the measurements).
 *
 * The cost: an answer waits for the other requests read in the same turn to be computed. With
 * one request a turn it is written at once, after that turn's callbacks.
 */

/** Writes queued in this turn, in the order they were queued. */
let queued: Array<() => void> = [];

function writeQueued(): void {
  const writes = queued;
  queued = [];
  for (const write of writes) write();
}

/**
 * Queues `write` for the end of this turn, after the writes queued before it. It must handle
 * its own errors: one that throws would leave the writes queued after it unwritten.
 */
export function writeAtTurnEnd(write: () => void): void {
  if (queued.length === 0) setImmediate(writeQueued);
  queued.push(write);
}
