// The absolute URL a fetch handler sees, built from the request target and the Host header.
// Both come from the client: a Host such as `evil/admin?` would otherwise move the path the app
// routes on (`http://evil/admin?/real`), and one with a space makes `new URL()` throw in the app
// (a 500 for what is a client error). So the worker checks them before the app runs (400).

// A DNS name or IPv4 address, or a bracketed IPv6 literal, with an optional port.
const HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;
const ABSOLUTE = /^https?:\/\//i;

/** Why this target/Host pair cannot make a URL, or undefined when it can. */
export function badRequestTarget(target: string, host: string | undefined): string | undefined {
  if (host && !HOST.test(host)) return `Host '${host.slice(0, 40)}'`;
  if (target.charCodeAt(0) === 47 /* '/' */) return undefined;
  // Absolute-form (what a client sends to a proxy) is already complete.
  if (ABSOLUTE.test(target) && URL.canParse(target)) return undefined;
  return `request target '${target.slice(0, 40)}'`;
}

/** The URL for a target that passed badRequestTarget(). */
export function requestUrl(target: string, host: string | undefined, secure = false): string {
  return target.charCodeAt(0) === 47 ? `${secure ? 'https' : 'http'}://${host || 'localhost'}${target}` : target;
}
