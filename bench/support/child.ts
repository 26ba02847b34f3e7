/** The child side of bench/support/processes.ts: a benchmark's server reports that it listens. */
export function reportListening(port: number): void {
  process.send?.({ port });
}
