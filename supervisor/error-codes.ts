// Every code of the supervisor side's coded errors (circus-supervisor, and circus-ctl with the
// errors the supervisor answers it), the exit status it ends the command with, and what it
// means. docs/exit-codes.md shows these tables; test/sys/error-codes.test.ts keeps the two in
// step and checks each code's status against the error class that throws it. A code shaped
// `E<errno>` stands for any errno name.
import { EXIT } from './errors.js';

type Codes = Record<string, { exit: number; meaning: string }>;

/** When circus-supervisor exits with each status. */
export const SUPERVISOR_EXIT = {
  [EXIT.OK]: 'stopped cleanly (SIGTERM, SIGINT, SIGQUIT, `circus-ctl quit`, or the npm/npx that started it exited)',
  [EXIT.INTERNAL]: 'internal error',
  [EXIT.CONFIG]: 'bad configuration or usage (message names file:line, `[section]` and key)',
  [EXIT.SOCKET]: 'a socket could not be bound (message names the socket, address and errno: `EADDRINUSE`, `EACCES` for a port below 1024 as non-root, a Unix path that exists without `replace = true`)',
  [EXIT.ENDPOINT]: 'the control endpoint or the `metrics_endpoint` could not be opened (in use, or another supervisor is running)',
  [EXIT.FORCED]: 'stopped by force (a second stop signal SIGKILLs every child)',
} as const;

export const SUPERVISOR_CODES = {
  ECONFIGREAD: { exit: EXIT.CONFIG, meaning: 'the INI file (or one it includes) cannot be read' },
  ESYNTAX: { exit: EXIT.CONFIG, meaning: 'a line is not `key = value`' },
  ENOSECTION: { exit: EXIT.CONFIG, meaning: 'a line comes before any `[section]`' },
  EDUPSECTION: { exit: EXIT.CONFIG, meaning: 'a section is defined twice' },
  EDUPKEY: { exit: EXIT.CONFIG, meaning: 'a key is set twice in one section' },
  EUNKNOWNSECTION: { exit: EXIT.CONFIG, meaning: 'a section other than `[circus]`, `[socket:NAME]`, `[watcher:NAME]`, `[env:NAME]` and `[plugin:NAME]`' },
  EBADSECTION: { exit: EXIT.CONFIG, meaning: 'a `[socket:]` or `[watcher:]` section without a name' },
  EUNKNOWNKEY: { exit: EXIT.CONFIG, meaning: 'an option the section does not have' },
  EBADVALUE: { exit: EXIT.CONFIG, meaning: 'a value of the wrong form or out of range (boolean, number, seconds, signal, family, stream class …), or a stream file whose folder does not exist or that cannot be written' },
  EBADPORT: { exit: EXIT.CONFIG, meaning: 'a port that is not a number from 0 to 65535' },
  EMISSINGKEY: { exit: EXIT.CONFIG, meaning: "a required option is missing (a watcher's `cmd`, an `AF_UNIX` socket's `path`, a file stream's `filename` …)" },
  EINCLUDE: { exit: EXIT.CONFIG, meaning: 'an `include` pattern matches no file, or an `include_dir` does not exist' },
  EUNKNOWNWATCHER: { exit: EXIT.CONFIG, meaning: 'an `[env:NAME]` section for a watcher that does not exist' },
  EUNKNOWNVAR: { exit: EXIT.CONFIG, meaning: '`$(circus.…)` names an unknown variable' },
  EUNKNOWNSOCKET: { exit: EXIT.CONFIG, meaning: '`$(circus.sockets.NAME)` names a socket that has no section' },
  ENOUSESOCKETS: { exit: EXIT.CONFIG, meaning: "a watcher's `cmd` uses a socket but `use_sockets` is not true" },
  EREMOTEENDPOINT: { exit: EXIT.CONFIG, meaning: 'the control endpoint is not on loopback and `endpoint_allow_remote` is not set, or the `metrics_endpoint` is not and `metrics_endpoint_allow_remote` is not set' },
  EBADUSER: { exit: EXIT.CONFIG, meaning: '`uid` names no user in /etc/passwd' },
  EBADGROUP: { exit: EXIT.CONFIG, meaning: '`gid` names no group in /etc/group' },
  EPERM: { exit: EXIT.CONFIG, meaning: '`uid` or `gid` is set but the supervisor does not run as root' },
  ERESOLVE: { exit: EXIT.SOCKET, meaning: "a socket's `host` does not resolve" },
  'E<errno>': { exit: EXIT.SOCKET, meaning: 'socket(), bind() or listen() failed with that errno (`EADDRINUSE`, `EACCES` …)' },
  EENDPOINT: { exit: EXIT.ENDPOINT, meaning: 'the control endpoint cannot be listened on (`EADDRINUSE`: another supervisor has it; `[circus] endpoint` moves this one)' },
  EENDPOINTBUSY: { exit: EXIT.ENDPOINT, meaning: "the control endpoint's Unix socket is in use by a live supervisor" },
  EMETRICSENDPOINT: { exit: EXIT.ENDPOINT, meaning: 'the `metrics_endpoint` (HTTP) cannot be listened on' },
} as const satisfies Codes;

/** When circus-ctl exits with each status. */
export const CTL_EXIT = {
  0: 'ok',
  1: 'the supervisor answered an error (unknown watcher, bad value …)',
  2: 'usage',
  3: 'supervisor unreachable',
} as const;

/** circus-ctl's own codes, and those the supervisor answers a command with (status 1, the reason printed). */
export const CTL_CODES = {
  EUSAGE: { exit: 2, meaning: "a command's arguments are malformed (`nb` not a whole number, `set` without pairs, `signal` without a signal)" },
  EBADENDPOINT: { exit: 2, meaning: '`--endpoint` is not a `tcp://HOST:PORT` or `unix://PATH` address' },
  ETIMEDOUT: { exit: 3, meaning: 'no answer within `--timeout`' },
  EBADREPLY: { exit: 3, meaning: 'the answer is not readable JSON' },
  ECONNECT: { exit: 3, meaning: 'the endpoint cannot be reached (the message names the errno, e.g. `ECONNREFUSED`)' },
  EBADMESSAGE: { exit: 1, meaning: 'the message is not `{"command": …, "properties": {…}}`' },
  EUNKNOWNCOMMAND: { exit: 1, meaning: 'no such command' },
  EMISSING: { exit: 1, meaning: 'a required argument (watcher name, option names, values) is missing' },
  ENOWATCHER: { exit: 1, meaning: 'no watcher of that name' },
  EUNKNOWNOPTION: { exit: 1, meaning: '`get` names an option that does not exist' },
  EREADONLY: { exit: 1, meaning: '`set` names an option that cannot change at run time' },
  EBADVALUE: { exit: 1, meaning: 'a value of the wrong form or out of range (number of processes, seconds, boolean)' },
  EBADSIGNAL: { exit: 1, meaning: 'an unknown signal name' },
  ESINGLETON: { exit: 1, meaning: 'more than 1 process for a singleton watcher' },
  ENOPROCESS: { exit: 1, meaning: 'the watcher has no process with that pid' },
  ENOTREADY: { exit: 1, meaning: 'a restarted process did not become ready; the old one is kept' },
  ENOSOCKET: { exit: 1, meaning: 'the socket is not bound' },
  ESTOPPING: { exit: 1, meaning: 'the supervisor is shutting down' },
  ENOCONFIGFILE: { exit: 1, meaning: '`reloadconfig` to a supervisor started without a configuration file (one-command mode)' },
  EINTERNAL: { exit: 1, meaning: 'the command was not JSON, or failed inside the supervisor' },
} as const satisfies Codes;
