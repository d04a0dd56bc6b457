// The globals the worker replaces for fetch handlers, each announced in the start line and each
// with its off switch: globalThis.Response becomes FastResponse (response=fast,
// --no-fast-response) and globalThis.Request is watched so that the lazy Request is
// `instanceof Request` (request=lazy, --no-lazy-request). Installed before the app is imported
// (so its module scope sees them) and undone when it turns out not to be a fetch app.
import { installLazyRequest } from './request.js';
import { installFastResponse } from './response.js';
import { installWebSocketGlobals } from './web-globals.js';

export interface FetchGlobalChoice {
  fastResponse: boolean;
  lazyRequest: boolean;
}

export interface FetchGlobals {
  /** For the start line: `response=fast request=lazy`. */
  readonly announce: string;
  /** Puts back the globals as they were (for node-style and uws-native apps). */
  undo(): void;
}

export function installFetchGlobals(choice: FetchGlobalChoice): FetchGlobals {
  const undoResponse = choice.fastResponse ? installFastResponse() : () => {};
  const undoRequest = choice.lazyRequest ? installLazyRequest() : () => {};
  // Code written for Bun (hono/bun) builds CloseEvents, which Node lacks before 23.
  const undoWebSocket = installWebSocketGlobals();
  return {
    announce: `response=${choice.fastResponse ? 'fast' : 'native'} request=${choice.lazyRequest ? 'lazy' : 'native'}`,
    undo() {
      undoWebSocket();
      undoRequest();
      undoResponse();
    },
  };
}
