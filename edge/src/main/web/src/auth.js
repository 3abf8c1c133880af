// The page's credentials. With authentication on, the edge wants a JWT (HS256, its `sub` the user): the page takes
// it from its own URL (…/?token=JWT#docs/name, e.g. a link made with `scripts/quire token --user NAME`) and sends it
// as ?token= on the WebSocket (browsers cannot set headers there) and as `Authorization: Bearer` on the HTTP API.

let current = '';

/** @return the token in a page URL's query (?token=...), or ''. */
export function pageToken(location) {
  return new URLSearchParams(location.search).get('token') || '';
}

/** Use this token from now on ('' for none). */
export function setToken(token) {
  current = token || '';
}

/** @return headers for the HTTP API: `extra` plus the bearer token when there is one. */
export function apiHeaders(extra = {}) {
  return current ? {...extra, Authorization: `Bearer ${current}`} : {...extra};
}

/** @return the URL's query part carrying the token for the WebSocket ('' without one). */
export function tokenQuery() {
  return current ? '?token=' + encodeURIComponent(current) : '';
}

/** @return the token's unverified `sub` claim (a default display name), or null. */
export function tokenSubject(token = current) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const bytes = Uint8Array.from(atob(payload), (c) => c.charCodeAt(0));
    const sub = JSON.parse(new TextDecoder().decode(bytes)).sub;
    return typeof sub === 'string' && sub ? sub : null;
  } catch {
    return null;
  }
}
