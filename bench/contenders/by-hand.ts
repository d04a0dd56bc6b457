// Pieces of the by-hand commands the report prints for each contender: the same program, app and
// CPU pinning as the bench uses, typed into a shell at the repository root.
import path from 'node:path';
import type { BenchContext } from './types.js';
import { which } from './which.js';

/** `node` when that is the Node running the bench, else its full path (e.g. a Node 24 binary). */
export function nodeCommand(): string {
  return which('node') === process.execPath ? 'node' : process.execPath;
}

/** `taskset -c CPUS ` when the bench pins servers, else nothing. */
export function serverPin(ctx: BenchContext): string {
  return ctx.serverCpus ? `taskset -c ${ctx.serverCpus} ` : '';
}

/** A path relative to the repository root, as a by-hand command names it. */
export function fromRoot(ctx: BenchContext, file: string): string {
  return path.relative(ctx.root, file) || '.';
}
