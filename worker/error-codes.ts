// Every code of circus-worker's coded errors, the exit status it ends the worker with, and what
// it means. docs/exit-codes.md shows these tables; test/sys/error-codes.test.ts keeps the two in
// step. The exit statuses are part of the CLI contract.
import { CodedError } from '../sys/coded-error.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** When the worker exits with each status. */
export const WORKER_EXIT = {
  [EXIT_OK]: 'clean stop (signal, `--max-requests`), also when the graceful timeout had to cut connections (logged as a warning)',
  [EXIT_FAILURE]: 'an exception escaped app code outside any request (the worker drains and exits so its supervisor starts a fresh one), or a second stop signal',
  [EXIT_USAGE]: 'bad input before serving: usage, app file missing / not compiling / exporting nothing usable, fd not open / not a socket / not listening, bind failure, backend unavailable, TLS certificate or key unusable. One line on stderr names the file, fd or option; no stack trace',
} as const;

/** The codes that end the worker: bad input before serving. */
const BAD_INPUT = {
  EAPP_TYPE: 'the app file is not a `.js`, `.mjs`, `.cjs`, `.ts`, `.mts`, `.cts`, `.tsx` or `.jsx` file',
  EAPP_MISSING: 'the app file does not exist, or is not a file',
  EAPP_LOAD: 'importing the app failed: a compile error gives the compiler\'s `file:line:column: ERROR:` line, an exception its message and its first stack frame in the app\'s code',
  EAPP_EXPORT: 'the app exports no fetch, node-style or uws-native handler, or not the named export asked for; an app that called `listen()` while loading is told to export the app instead',
  EAPP_WEBSOCKET: "the app's `websocket` export has a handler that is not a function or an option of the wrong type or range (the message names the key)",
  ELISTEN: 'nowhere to listen, or more than one of `--fd`, `--bind`, `--unix`',
  EFD: 'the `--fd` value is not a number, or that fd is not open (nothing was passed there: the fds Node opens for itself count as not open) / not a socket / not a listening stream socket',
  EBIND: '`--bind` or `--unix` cannot be parsed, resolved or bound (the message names the errno)',
  ESYSTEMD: "systemd's `LISTEN_PID` names another process, or `LISTEN_FDS` passes no socket",
  EHANDLER_BACKEND: "`--backend` names a backend that does not serve the app's kind of handler",
  EUWS_UNAVAILABLE: 'uWebSockets.js is needed (`--backend uws`, or a uws-native app) but no native build of it loads',
  EUWS_ADOPT: 'the listening socket cannot be handed to uWebSockets.js',
  ETLS_FLAGS: '`--certfile` without `--keyfile` (or the other way round), or another TLS flag without both; `--cert-reqs` without `--ca-certs`; `--http2` without TLS (h2c is not served)',
  ETLS_FILE: 'a certificate, key, CA or passphrase file is missing, unreadable or not PEM, or the key is encrypted and the passphrase is missing or wrong (the message names the file and its flag)',
  ETLS_MISMATCH: 'the key file is not the key of the certificate it is paired with (the message names both files)',
  ETLS_SNI: 'an `--sni` entry is not `NAMES=CERT:KEY`, or a name in it is not a host name or `*.` wildcard, or is given twice',
  ETLS_BACKEND: '`--backend uws` with a TLS option uWebSockets.js 20.30 cannot serve (`--ssl-min-version 1.3`, `--ca-certs`, `--http2`)',
  ECONTROL: 'with `--workers`: the `--control` or `--metrics-endpoint` endpoint cannot be listened on (the message names the errno)',
  EPUBSUB: '`--pubsub` (or `CIRCUS_PUBSUB_URL`) is not a `redis://` or `rediss://` URL, or with `--pubsub-wait` the broker was not reachable in time',
} as const;

/** Not exits: request-level errors a handler sees. */
const IN_REQUEST = {
  EBODYTOOLARGE: "a request body over `--max-body`: the client got `413`, and the handler's body read fails with this error",
  EBODYSTALLED: "a request body stopped arriving for `--idle-timeout` (uws): the connection was closed, and the handler's body read fails with this error",
} as const;

function withExit<E extends number | null, T extends Record<string, string>>(exit: E, rows: T): { [K in keyof T]: { exit: E; meaning: T[K] } } {
  return Object.fromEntries(Object.entries(rows).map(([code, meaning]) => [code, { exit, meaning }])) as { [K in keyof T]: { exit: E; meaning: T[K] } };
}

/** code -> exit status (null: not an exit) -> meaning. */
export const WORKER_CODES = { ...withExit(EXIT_USAGE, BAD_INPUT), ...withExit(null, IN_REQUEST) };

export type WorkerCode = keyof typeof WORKER_CODES;
/** The codes that end the worker. */
export type ExitCode = keyof typeof BAD_INPUT;

/** Bad input before serving; the CLI prints the message and exits with the code's status. */
export class WorkerError extends CodedError {
  declare readonly code: ExitCode;

  constructor(code: ExitCode, message: string) {
    super(code, message);
    this.name = 'WorkerError';
  }

  get exitCode(): number {
    return WORKER_CODES[this.code].exit;
  }
}
