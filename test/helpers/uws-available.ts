// Whether the tests that need the uws backend must run on this Node: only where the bundled uWS
// build ships a native binary for the running Node's ABI. There they must pass (a build that
// should load and does not is a failure, not a skip); elsewhere they skip with the reason.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT } from './process.js';

export type UwsExpectation = { run: true; binary: string } | { run: false; why: string };

// A build named by path in CIRCUS_UWS_MODULE (as the worker reads it) replaces the bundled one.
const named = process.env.CIRCUS_UWS_MODULE;
const BUILD_DIR = named && path.isAbsolute(named) ? named : path.join(ROOT, 'node_modules/uWebSockets.js');

/** The version in the uWS build's package.json ('20.30.0-unofficial.0', '20.57.0'), or 'unknown'. */
export function uwsBuildVersion(): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(BUILD_DIR, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function uwsExpectation(): UwsExpectation {
  const { platform, arch } = process;
  const abi = process.versions.modules;
  const name = `uws_${platform}_${arch}_${abi}.node`;
  for (const dir of ['binaries', 'dist', '.']) {
    const binary = path.join(BUILD_DIR, dir, name);
    if (fs.existsSync(binary)) return { run: true, binary };
  }
  return { run: false, why: `the bundled uWS build (${uwsBuildVersion()}) has no binary for Node ${process.version} (ABI ${abi}, ${platform}-${arch}); the uws backend needs another build here` };
}

const expectation = uwsExpectation();

/** For node:test's `skip` option: false where uws tests must run, else the one-line reason. */
export const uwsSkip: string | false = expectation.run ? false : expectation.why;

/** The backends every both-backend test runs against on this Node. */
export const BACKENDS: readonly ('node' | 'uws')[] = expectation.run ? ['node', 'uws'] : ['node'];
