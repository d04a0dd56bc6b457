// The nginx configuration the bench serves with (`return 200` and a static file), written into a
// directory. Run by hand: node nginx-conf.js <dir> <port> [workers] (then nginx -p dir -c dir/nginx.conf).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BIG, HELLO, JSON_DOC, JSON_TYPE, TEXT } from '../apps/payloads.js';

function config(dir: string, port: number, workers: number): string {
  const json = JSON.stringify(JSON_DOC);
  if (/[$']/.test(json)) throw new Error('the JSON payload cannot be embedded in an nginx return directive');
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`).join('\n');
  return `daemon off;
master_process on;
worker_processes ${workers};
${process.getuid?.() === 0 ? 'user root;' : ''}
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
${temp}
  server {
    listen 127.0.0.1:${port};
    location = /hello { default_type "${TEXT}"; return 200 "${HELLO}"; }
    location = /json { default_type ${JSON_TYPE}; return 200 '${json}'; }
    location = /64k { default_type "${TEXT}"; alias ${dir}/64k.txt; }
  }
}
`;
}

/** Writes nginx.conf and the 64 KiB file into `dir`; returns the config's path. */
export function writeNginxConfig(dir: string, port: number, workers: number): string {
  const abs = path.resolve(dir);
  fs.mkdirSync(abs, { recursive: true });
  fs.writeFileSync(path.join(abs, '64k.txt'), BIG);
  const conf = path.join(abs, 'nginx.conf');
  fs.writeFileSync(conf, config(abs, port, workers));
  return conf;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [dir, port, workers] = process.argv.slice(2);
  if (!dir || !Number(port)) {
    process.stderr.write('usage: node nginx-conf.js <dir> <port> [workers]\n');
    process.exitCode = 2;
  } else {
    process.stdout.write(writeNginxConfig(dir, Number(port), Number(workers ?? 1)) + '\n');
  }
}
