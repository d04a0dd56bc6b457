// Handing secrets to a native library that only takes file names (uWebSockets.js's SSLApp reads
// `cert_file_name`/`key_file_name` itself): anonymous memory files (memfd_create), named by
// /proc/self/fd/N, so the checked, decrypted key never touches a disk and the library reads
// exactly the bytes that were checked, not whatever the real file holds a moment later.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { CodedError } from './coded-error.js';
import { errnoName } from './libc.js';

const require = createRequire(import.meta.url);
const MFD_CLOEXEC = 1;

let memfdCreate: ((name: string, flags: number) => number) | undefined;
let koffiErrno: () => number;

function create(name: string): number {
  if (!memfdCreate) {
    const koffi = require('koffi');
    memfdCreate = koffi.load('libc.so.6').func('int memfd_create(const char *, unsigned int)') as (name: string, flags: number) => number;
    koffiErrno = () => koffi.errno() as number;
  }
  const fd = memfdCreate(name, MFD_CLOEXEC);
  if (fd < 0) throw new CodedError('EMEMFD', `memfd_create failed: ${errnoName(koffiErrno())}`);
  return fd;
}

/** Runs `fn` with one /proc/self/fd path per content; the memory files are closed after. */
export function withMemoryFiles<T>(contents: readonly string[], fn: (paths: string[]) => T): T {
  const fds: number[] = [];
  try {
    for (const text of contents) {
      const fd = create('circus-tls');
      fds.push(fd);
      fs.writeSync(fd, text);
    }
    return fn(fds.map((fd) => `/proc/self/fd/${fd}`));
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}
