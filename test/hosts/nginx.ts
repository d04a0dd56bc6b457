// nginx (Debian's) beside HAProxy in the load balancer's namespace: the open-source upstream
// module has no active health checks, so it finds a host gone by its connections failing and
// retries the request on the next one (proxy_next_upstream), marking the host failed for a while.
import fs from 'node:fs';
import path from 'node:path';
import { waitFor, type Spawned } from '../helpers/process.js';
import { APP_PORT } from './haproxy.js';
import type { Lab } from './netns.js';

export const NGINX_BIN = '/usr/sbin/nginx';
export const NGINX_PORT = 8002;

/** The upstream part docs/deploy.md shows; `addresses` are the hosts'. */
export function nginxUpstream(addresses: string[]): string {
  return `upstream hosts {
${addresses.map((a) => `    server ${a}:${APP_PORT} max_fails=1 fail_timeout=2s;`).join('\n')}
    keepalive 16;
  }
  server {
    listen 127.0.0.1:${NGINX_PORT};
    location / {
      proxy_pass http://hosts;
      # HTTP/1.1 with upstream keep-alive: uWebSockets.js 20.30 never answers nginx's default HTTP/1.0.
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # A refused, reset or cut connection goes to the next host (GET is idempotent).
      proxy_next_upstream error timeout;
      proxy_next_upstream_tries 3;
      proxy_connect_timeout 1s;
      proxy_read_timeout 5s;
    }
  }`;
}

export class Nginx {
  private constructor(readonly proc: Spawned) {}

  static async start(lab: Lab, dir: string, addresses: string[]): Promise<Nginx> {
    const conf = path.join(dir, 'nginx.conf');
    fs.writeFileSync(conf, `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy; fastcgi_temp_path ${dir}/fcgi;
  uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  ${nginxUpstream(addresses)}
}
`);
    const proc = lab.exec(lab.lb, NGINX_BIN, ['-p', dir, '-e', path.join(dir, 'nginx-error.log'), '-c', conf]);
    await waitFor(() => {
      if (proc.child.exitCode !== null) throw new Error(`nginx exited ${proc.child.exitCode}: ${proc.stderr()} ${fs.readFileSync(path.join(dir, 'nginx-error.log'), 'utf8')}`);
      return fs.existsSync(path.join(dir, 'nginx.pid'));
    }, 'nginx to start', 20000);
    return new Nginx(proc);
  }
}
