// Where a watcher's stdout/stderr go: inherited, discarded, or piped through the supervisor
// into a file rotated by size (Circus's FileStream with max_bytes/backup_count) or onto its stdout.
import fs from 'node:fs';
import type { Readable } from 'node:stream';
import type { StreamConfig } from '../config/types.js';
import { log } from '../log.js';

export interface Sink {
  /** The spawn stdio entry for this stream. */
  stdio: 'inherit' | 'ignore' | 'pipe';
  attach(stream: Readable | null, pid: number): void;
  close(): void;
}

export function createSink(cfg: StreamConfig, target: NodeJS.WriteStream): Sink {
  if (cfg.kind === 'inherit') return { stdio: 'inherit', attach() {}, close() {} };
  if (cfg.kind === 'null') return { stdio: 'ignore', attach() {}, close() {} };
  if (cfg.kind === 'file') return new FileSink(cfg.filename!, cfg.maxBytes, cfg.backupCount);
  return {
    stdio: 'pipe',
    attach(stream, pid) {
      if (!stream) return;
      if (cfg.kind === 'stdout') return void stream.on('data', (d: Buffer) => target.write(d));
      eachLine(stream, (line) => target.write(`${new Date().toISOString()} [${pid}] | ${line}\n`));
    },
    close() {},
  };
}

function eachLine(stream: Readable, onLine: (l: string) => void): void {
  let rest = '';
  stream.on('data', (d: Buffer) => {
    const lines = (rest + d.toString()).split('\n');
    rest = lines.pop() ?? '';
    lines.forEach(onLine);
  });
  stream.on('end', () => rest && onLine(rest));
}

/** Appends to `file`; past maxBytes renames file → file.1 → … → file.N (Python's RotatingFileHandler rule). */
class FileSink implements Sink {
  readonly stdio = 'pipe' as const;
  private fd: number | undefined;
  private size = 0;

  constructor(readonly file: string, readonly maxBytes: number, readonly backupCount: number) {
    this.open();
  }

  private open(): void {
    this.fd = fs.openSync(this.file, 'a', 0o644);
    this.size = fs.fstatSync(this.fd).size;
  }

  attach(stream: Readable | null): void {
    stream?.on('data', (d: Buffer) => this.write(d));
  }

  write(data: Buffer): void {
    if (this.fd === undefined) return;
    try {
      // A pipe read can carry many lines (64 KiB under load): split it at line ends so each file
      // stays within maxBytes, as RotatingFileHandler does per record; a longer line goes whole.
      for (let rest = data; rest.length > 0; ) {
        const piece = this.rotating() ? this.fitting(rest) : rest;
        if (this.rotating() && this.size > 0 && this.size + piece.length > this.maxBytes) this.rotate();
        fs.writeSync(this.fd!, piece);
        this.size += piece.length;
        rest = rest.subarray(piece.length);
      }
    } catch (err) {
      log.error(`cannot write to ${this.file}: ${(err as Error).message}`);
    }
  }

  private rotating(): boolean {
    return this.maxBytes > 0 && this.backupCount > 0;
  }

  /** The longest run of whole lines of `data` that fits in the current file (or a fresh one). */
  private fitting(data: Buffer): Buffer {
    const room = this.size > 0 && this.size < this.maxBytes ? this.maxBytes - this.size : this.maxBytes;
    if (data.length <= room) return data;
    const end = data.lastIndexOf(0x0a, room - 1);
    if (end >= 0) return data.subarray(0, end + 1);
    const next = data.indexOf(0x0a);
    return next === -1 ? data : data.subarray(0, next + 1);
  }

  private rotate(): void {
    fs.closeSync(this.fd!);
    for (let i = this.backupCount - 1; i >= 1; i--) {
      if (fs.existsSync(`${this.file}.${i}`)) fs.renameSync(`${this.file}.${i}`, `${this.file}.${i + 1}`);
    }
    fs.renameSync(this.file, `${this.file}.1`);
    this.open();
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
  }
}
