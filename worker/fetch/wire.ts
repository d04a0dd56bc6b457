// What both fetch adapters read from and put on the wire the same way.

/** Statuses whose responses carry no body on the wire, whatever the Response holds. */
export const NO_BODY_STATUS = new Set([204, 205, 304]);

/** [name, value] pairs of a flat [name, value, name, value, …] list (node's rawHeaders, the uws copy). */
export function headerPairs(flat: string[]): Array<[string, string]> {
  const out: Array<[string, string]> = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}
