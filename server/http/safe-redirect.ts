// Every redirect whose target comes from a request goes through here: the target is normalised first (as a
// browser would resolve it) and checked afterwards, so `/.//evil.example` or `/%2E//evil.example`, which
// normalise to the protocol-relative `//evil.example`, can never leave the site.
const LOCAL = 'http://local.invalid';
/** Longer targets are not followed: no page of this site needs one, and a redirect copies it whole. */
export const MAX_REDIRECT_LENGTH = 2000;

const isLocalPath = (path: string) => path.startsWith('/') && !path.startsWith('//') && !path.includes('\\');

/** A `?next=` target is followed only when it is a path on this site, never another origin. */
export function safeNextPath(next: unknown, fallback = '/'): string {
  if (typeof next !== 'string' || next.length > MAX_REDIRECT_LENGTH || !isLocalPath(next)) return fallback;
  let url: URL;
  try {
    url = new URL(next, LOCAL);
  } catch {
    return fallback;
  }
  const normalised = `${url.pathname}${url.search}${url.hash}`;
  return url.origin === LOCAL && isLocalPath(normalised) ? normalised : fallback;
}

/** `/path?key=value…` with each value encoded; empty values are left out. */
export function pathWithQuery(path: string, query: Record<string, string | number | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

/** The sign-in page, coming back to `returnTo` afterwards when it is a (not too long) local path. */
export const signInPath = (returnTo: string) =>
  pathWithQuery('/login', { next: safeNextPath(returnTo, '') || undefined });
