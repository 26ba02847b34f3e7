/**
 * A route's path as the core matches it: `/v1/...` whether or not the caller's path carried the
 * version (behind API Gateway the version is the stage name and the function sees the path without
 * it), and without trailing slashes. Trailing slashes are cut by a loop, not `/\/+$/`, which rescans
 * a long run of slashes from each of its characters (quadratic in the path's length).
 */
export function routePath(path: string): string {
  let end = path.length;
  while (end > 0 && path.charCodeAt(end - 1) === 0x2f) end--;
  const trimmed = path.slice(0, end);
  const unversioned = trimmed === '/v1' ? '' : trimmed.startsWith('/v1/') ? trimmed.slice(3) : trimmed;
  return `/v1${unversioned}`;
}

/** A path segment's decoded text, or undefined when its percent-encoding is malformed (`%zz`). */
export function decodeSegment(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
