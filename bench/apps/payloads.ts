// The bytes every contender must serve, route by route. wsgi_app.py and the nginx config
// build the same bytes by the same rules; the bench checks each contender against these.
export const TEXT = 'text/plain; charset=UTF-8';
export const JSON_TYPE = 'application/json';
export const BINARY = 'application/octet-stream';

export const HELLO = 'Hello, World!';

/** ~1 KB once serialized; serialized per request by every app, as a real API would. */
export const JSON_DOC = {
  id: 12345,
  name: 'circus-worker benchmark',
  tags: ['supervisor', 'prefork', 'uws', 'node', 'fetch', 'hono', 'wsgi', 'nginx'],
  items: Array.from({ length: 15 }, (_, i) => ({ id: i, title: `item number ${i}`, price: 100 + i * 7, inStock: i % 3 !== 0 })),
};

/** 64 KiB of a repeating printable pattern. */
export const BIG = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_'.repeat(1024);

export const ROUTES = { hello: '/hello', json: '/json', echo: '/echo', big: '/64k' } as const;
