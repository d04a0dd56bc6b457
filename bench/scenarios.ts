// What is measured: one route per scenario, each with the response every contender must give.
import { BIG, BINARY, HELLO, JSON_DOC, JSON_TYPE, ROUTES, TEXT } from './apps/payloads.js';

export type ScenarioId = 'hello' | 'json' | 'echo' | '64k' | 'newconn';

export interface Scenario {
  id: ScenarioId;
  label: string;
  method: 'GET' | 'POST';
  path: string;
  body?: Buffer;
  /** wrk's script for this request (relative to the repository root), when it is not a plain GET. */
  wrkScript?: string;
  /** Close the connection after each response (Connection: close) and open a new one. */
  newConnection: boolean;
  expect: { contentType: string; body: Buffer };
}

/** 4 KiB request body for the echo scenario; bench/load/echo.lua builds the same for wrk. */
export const ECHO_UNIT = '0123456789abcdef';
export const ECHO_REPEAT = 256;
const ECHO_BODY = Buffer.from(ECHO_UNIT.repeat(ECHO_REPEAT));

export const SCENARIOS: Scenario[] = [
  { id: 'hello', label: 'hello text, keep-alive', method: 'GET', path: ROUTES.hello, newConnection: false, expect: { contentType: TEXT, body: Buffer.from(HELLO) } },
  { id: 'json', label: '1 KB JSON', method: 'GET', path: ROUTES.json, newConnection: false, expect: { contentType: JSON_TYPE, body: Buffer.from(JSON.stringify(JSON_DOC)) } },
  { id: 'echo', label: 'POST echo 4 KB', method: 'POST', path: ROUTES.echo, body: ECHO_BODY, wrkScript: 'bench/load/echo.lua', newConnection: false, expect: { contentType: BINARY, body: ECHO_BODY } },
  { id: '64k', label: '64 KB response', method: 'GET', path: ROUTES.big, newConnection: false, expect: { contentType: TEXT, body: Buffer.from(BIG) } },
  { id: 'newconn', label: 'hello, new connection per request', method: 'GET', path: ROUTES.hello, newConnection: true, expect: { contentType: TEXT, body: Buffer.from(HELLO) } },
];

export const SCENARIO_IDS = SCENARIOS.map((s) => s.id);

export function scenarioById(id: string): Scenario {
  const s = SCENARIOS.find((x) => x.id === id);
  if (!s) throw new Error(`unknown scenario "${id}" (known: ${SCENARIO_IDS.join(', ')})`);
  return s;
}

/** Compares a probe response with what the scenario expects; returns why it differs, if it does. */
export function responseMismatch(s: Scenario, status: number, contentType: string, body: Buffer): string | undefined {
  if (status !== 200) return `status ${status}`;
  if (contentType.replace(/\s+/g, '').toLowerCase() !== s.expect.contentType.replace(/\s+/g, '').toLowerCase()) {
    return `content-type "${contentType}" instead of "${s.expect.contentType}"`;
  }
  if (!body.equals(s.expect.body)) return `body of ${body.length} bytes differs from the expected ${s.expect.body.length} bytes`;
  return undefined;
}
