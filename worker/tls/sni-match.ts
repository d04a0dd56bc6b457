// SNI name → context: an exact name first, then a `*.` wildcard for exactly one more label
// (`*.example.com` serves `a.example.com`, not `example.com` nor `a.b.example.com`, as in RFC 6125).

/** undefined: no entry matches, the default certificate serves. */
export function sniLookup<T>(byName: ReadonlyMap<string, T>, servername: string): T | undefined {
  const name = servername.toLowerCase().replace(/\.$/, '');
  const exact = byName.get(name);
  if (exact !== undefined) return exact;
  const dot = name.indexOf('.');
  return dot > 0 ? byName.get(`*${name.slice(dot)}`) : undefined;
}
