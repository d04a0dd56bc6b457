// The WebSocket opening handshake (RFC 6455 4.2.1) as both backends check it before the app runs:
// a request that asks for a WebSocket but carries no valid key or an unknown version is answered
// 400 by the worker (as the `ws` package does), so a malformed handshake never reaches the app.

/** Whether an Upgrade header value names the websocket protocol. */
export function wantsWebSocket(upgrade: string | undefined): boolean {
  return upgrade !== undefined && /(^|,)\s*websocket\s*(,|$)/i.test(upgrade);
}

/** A Sec-WebSocket-Key is the base64 of 16 bytes: 22 characters and '=='. */
const KEY = /^[A-Za-z0-9+/]{22}==$/;

/** What is wrong with the handshake, or undefined when it is sound. */
export function handshakeProblem(method: string, key: string | undefined, version: string | undefined): string | undefined {
  if (method !== 'GET') return `a WebSocket handshake must be a GET, not ${method}`;
  if (!key || !KEY.test(key.trim())) return 'missing or invalid Sec-WebSocket-Key header';
  if (version?.trim() !== '13') return 'missing or unsupported Sec-WebSocket-Version header (this server speaks 13)';
  return undefined;
}

/** Headers of the 400 answer: the version we speak, as RFC 6455 4.4 asks. */
export const REFUSAL_HEADERS: ReadonlyArray<[string, string]> = [['sec-websocket-version', '13']];

/** The first subprotocol a client offered ('' for none): the one a server picks by default. */
export function firstProtocol(offered: string | undefined): string {
  return offered?.split(',')[0]?.trim() ?? '';
}

/** Headers the engine writes itself on a 101; an app's copy of one would duplicate it. */
const ENGINE_HEADERS = new Set(['upgrade', 'connection', 'sec-websocket-accept', 'sec-websocket-extensions', 'content-length', 'transfer-encoding']);

export interface UpgradeHeaders {
  /** Extra headers for the 101 response, validated (through Headers) and lower-case. */
  pairs: Array<[string, string]>;
  /** The subprotocol the app chose with a Sec-WebSocket-Protocol header, if it did. */
  protocol?: string;
}

/** Splits server.upgrade()'s `headers` option into the subprotocol and the rest. */
export function upgradeHeaders(init: HeadersInit | undefined): UpgradeHeaders {
  const out: UpgradeHeaders = { pairs: [] };
  if (init === undefined) return out;
  for (const [name, value] of new Headers(init)) {
    if (name === 'sec-websocket-protocol') out.protocol = value;
    else if (!ENGINE_HEADERS.has(name)) out.pairs.push([name, value]);
  }
  return out;
}
