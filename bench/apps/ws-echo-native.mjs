// uWS's own echo (a uws-native app) for `npm run bench:ws`: what the Bun contract layer costs on uws.
export function uws(app) {
  app.ws('/*', {
    maxPayloadLength: 16 * 1024 * 1024,
    message: (ws, message, isBinary) => void ws.send(message, isBinary),
  });
}
