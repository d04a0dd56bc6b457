// Bun's `websocket` export: the event handlers and the options, read once at load time with
// Bun's defaults, and checked so a typo'd value fails at start naming the key, not at runtime.
import type { Deflate, WebSocketHandler, WebSocketOptions } from '../contract.js';
import { WorkerError } from '../error-codes.js';

export type { Deflate, WebSocketHandler, WebSocketOptions } from '../contract.js';

const DEFAULT_WEBSOCKET_OPTIONS: Readonly<WebSocketOptions> = Object.freeze({
  maxPayloadLength: 16 * 1024 * 1024,
  idleTimeout: 120,
  backpressureLimit: 16 * 1024 * 1024,
  closeOnBackpressureLimit: false,
  compress: false,
  decompress: false,
  sendPings: true,
  publishToSelf: false,
});

/** What `server.upgrade(request, options)` takes. */
export interface UpgradeOptions {
  data?: unknown;
  headers?: HeadersInit;
}

const HANDLERS = ['open', 'message', 'close', 'drain', 'ping', 'pong', 'error'] as const;
const MAX_U32 = 4294967295;

function bad(where: string, key: string, want: string, got: unknown): never {
  throw new WorkerError('EAPP_WEBSOCKET', `${where}: websocket.${key} must be ${want} (got ${typeof got === 'string' ? `'${got}'` : String(got)})`);
}

function count(h: Record<string, unknown>, key: keyof WebSocketOptions, where: string): number {
  const v = h[key];
  if (v === undefined) return DEFAULT_WEBSOCKET_OPTIONS[key] as number;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) bad(where, key, 'a whole number >= 0', v);
  return Math.min(v, MAX_U32);
}

function flag(h: Record<string, unknown>, key: keyof WebSocketOptions, where: string): boolean {
  const v = h[key];
  if (v === undefined) return DEFAULT_WEBSOCKET_OPTIONS[key] as boolean;
  if (typeof v !== 'boolean') bad(where, key, 'true or false', v);
  return v;
}

/** Bun's spellings: true/'shared', 'dedicated', '3KB'..'256KB' (compressor window), false/'disable'. */
function deflateMode(v: unknown, where: string, key: string): Deflate {
  if (v === undefined || v === false || v === 'disable') return false;
  if (v === true || v === 'shared') return 'shared';
  if (v === 'dedicated') return 'dedicated';
  if (typeof v === 'string' && /^(3|4|8|16|32|64|128|256)KB$/.test(v)) return v as Deflate;
  return bad(where, key, "true, false, 'shared', 'dedicated', 'disable' or a window size such as '32KB'", v);
}

/**
 * The handlers and options of `value` (the app's `websocket` export), or undefined when the app
 * exports none. Throws EAPP_WEBSOCKET naming the key on a bad value.
 */
export function readWebSocketHandler(value: unknown, where: string): { handler: WebSocketHandler; options: WebSocketOptions } | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object') throw new WorkerError('EAPP_WEBSOCKET', `${where}: websocket must be an object of handlers and options (got a ${typeof value})`);
  const h = value as Record<string, unknown>;
  for (const name of HANDLERS) {
    if (h[name] !== undefined && typeof h[name] !== 'function') bad(where, name, 'a function', h[name]);
  }
  let compress: Deflate = false;
  let decompress: Deflate = false;
  const pmd = h.perMessageDeflate;
  if (typeof pmd === 'object' && pmd !== null) {
    const o = pmd as Record<string, unknown>;
    compress = deflateMode(o.compress, where, 'perMessageDeflate.compress');
    decompress = deflateMode(o.decompress, where, 'perMessageDeflate.decompress');
  } else if (pmd !== undefined && typeof pmd !== 'boolean') {
    bad(where, 'perMessageDeflate', 'true, false or { compress, decompress }', pmd);
  } else if (pmd) {
    compress = decompress = 'shared';
  }
  return {
    handler: value as WebSocketHandler,
    options: {
      maxPayloadLength: count(h, 'maxPayloadLength', where),
      idleTimeout: count(h, 'idleTimeout', where),
      backpressureLimit: count(h, 'backpressureLimit', where),
      closeOnBackpressureLimit: flag(h, 'closeOnBackpressureLimit', where),
      compress,
      decompress,
      sendPings: flag(h, 'sendPings', where),
      publishToSelf: flag(h, 'publishToSelf', where),
    },
  };
}
