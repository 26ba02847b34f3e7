/**
 * `build` run on first use and its result shared by every later use, as a handler's per-execution-
 * environment state (the gateway, a worker). A build that fails is forgotten, so the next request
 * or batch tries again rather than failing forever.
 */
export function buildOnce<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () =>
    (built ??= build().catch((error: unknown) => {
      built = undefined;
      throw error;
    }));
}
