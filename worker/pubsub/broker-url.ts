// --pubsub / CIRCUS_PUBSUB_URL: redis://[user:password@]host[:port][/db] or rediss:// (TLS).
// The db number is accepted and has no effect: Redis pub/sub channels are shared by all
// databases, so apps that share a Redis are kept apart by --pubsub-prefix.

export interface BrokerAddress {
  tls: boolean;
  host: string;
  port: number;
  user?: string;
  password?: string;
  /** For messages: the URL without its password. */
  label: string;
}

/** Parses the URL; throws an Error whose message says what is wrong with it. */
export function parseBrokerUrl(text: string): BrokerAddress {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`${JSON.stringify(text)} is not a URL; expected redis://host:port[/db] or rediss://host:port[/db]`);
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') throw new Error(`${url.protocol}// is not a broker this worker speaks; expected redis:// or rediss://`);
  if (!url.hostname) throw new Error(`${JSON.stringify(text)} names no host`);
  if (url.pathname.length > 1 && !/^\/\d+$/.test(url.pathname)) throw new Error(`the path of ${JSON.stringify(text)} must be a database number, as in /0`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const port = url.port ? Number(url.port) : 6379;
  const tls = url.protocol === 'rediss:';
  return {
    tls,
    host,
    port,
    user: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    label: `${url.protocol}//${url.hostname}:${port}`,
  };
}
