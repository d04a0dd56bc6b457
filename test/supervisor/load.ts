// Bounded loopback load for the under-load tests: autocannon in this process, counting failed
// requests by error code so a refused connection can be told from a reset in-flight request.
import autocannon from 'autocannon';

export interface LoadReport {
  total: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  byCode: Record<string, number>;
}

export interface Load {
  /** Resolves once responses are flowing. */
  started: Promise<void>;
  done: Promise<LoadReport>;
}

export function load(url: string, seconds: number, connections = 8, headers: Record<string, string> = {}): Load {
  const byCode: Record<string, number> = {};
  let ok = 0;
  let non2xx = 0;
  let markStarted!: () => void;
  const started = new Promise<void>((r) => (markStarted = r));
  const instance: any = autocannon({ url, connections, duration: seconds, timeout: 10, headers });
  instance.on('response', (_client: unknown, status: number) => {
    if (status >= 200 && status < 300) ok++;
    else non2xx++;
    if (ok === 50) markStarted();
  });
  instance.on('reqError', (err: NodeJS.ErrnoException) => {
    const code = err.code ?? err.message;
    byCode[code] = (byCode[code] ?? 0) + 1;
  });
  const done = (instance as Promise<any>).then((res) => {
    markStarted();
    return { total: res.requests.total, ok, non2xx, errors: res.errors, timeouts: res.timeouts, byCode };
  });
  return { started, done };
}
