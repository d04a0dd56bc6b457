// Which uWS build the tests that need the uws backend run with, and whether they must run here.
// By default the bundled build (node_modules/uWebSockets.js), where it ships a native binary for
// the running Node's ABI; elsewhere they skip with the reason. CI's Debian 13 run names another
// build and says it must run:
//   CIRCUS_UWS_MODULE=uws-current               the build workers load (the worker reads it too)
//   CIRCUS_UWS_EXPECT=@btc-vision/uwebsockets.js@20.57.0
//                                               this run must have uws, with exactly this build
// With CIRCUS_UWS_EXPECT set, a different or missing build, or one without a binary for this
// Node, fails the test file at import: a build that should load and does not is a failure.
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { ROOT } from './process.js';

export type UwsExpectation = { run: true; binary: string } | { run: false; why: string };

/** The build under test: its module name (what workers get as CIRCUS_UWS_MODULE), folder and package. */
export interface UwsBuild {
  module: string;
  dir: string;
  name: string;
  version: string;
  /** `name@version`, as the worker's start line names it. */
  id: string;
}

function findBuild(): UwsBuild {
  const module = process.env.CIRCUS_UWS_MODULE || 'uWebSockets.js';
  let dir = path.join(ROOT, 'node_modules', module);
  try {
    dir = path.dirname(createRequire(path.join(ROOT, 'noop.js')).resolve(`${module}/package.json`));
  } catch { /* not installed: reported below */ }
  let pkg: { name?: string; version?: string } = {};
  try {
    pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as typeof pkg;
  } catch { /* unknown */ }
  const name = pkg.name ?? module;
  const version = pkg.version ?? 'unknown';
  return { module, dir, name, version, id: `${name}@${version}` };
}

export const uwsBuild: UwsBuild = findBuild();

/** uWS.js version of the build under test, e.g. [20, 57] ('20.30.0-unofficial.0' → [20, 30]). */
const uwsVersion: readonly [number, number] = (() => {
  const [major, minor] = uwsBuild.version.split(/[.-]/).map(Number);
  return [major || 0, minor || 0];
})();

/** Whether the build under test is uWS.js `major.minor` or later (what differs between builds). */
export function uwsAtLeast(major: number, minor: number): boolean {
  return uwsVersion[0] > major || (uwsVersion[0] === major && uwsVersion[1] >= minor);
}

export function uwsExpectation(): UwsExpectation {
  const { platform, arch } = process;
  const abi = process.versions.modules;
  const name = `uws_${platform}_${arch}_${abi}.node`;
  for (const dir of ['binaries', 'dist', '.']) {
    const binary = path.join(uwsBuild.dir, dir, name);
    if (fs.existsSync(binary)) return { run: true, binary };
  }
  return { run: false, why: `the uWS build ${uwsBuild.id} has no binary for Node ${process.version} (ABI ${abi}, ${platform}-${arch}); the uws backend needs another build here` };
}

const expectation = uwsExpectation();
const expected = process.env.CIRCUS_UWS_EXPECT;
if (expected) {
  if (uwsBuild.id !== expected) throw new Error(`CIRCUS_UWS_EXPECT=${expected} but the build under test (CIRCUS_UWS_MODULE=${uwsBuild.module}) is ${uwsBuild.id} in ${uwsBuild.dir}`);
  if (!expectation.run) throw new Error(`CIRCUS_UWS_EXPECT=${expected} but ${expectation.why}`);
}

/** For node:test's `skip` option: false where uws tests must run, else the one-line reason. */
export const uwsSkip: string | false = expectation.run ? false : expectation.why;

/** The backends every both-backend test runs against on this Node. */
export const BACKENDS: readonly ('node' | 'uws')[] = expectation.run ? ['node', 'uws'] : ['node'];

/** For workers started by a supervisor (which passes them no environment): the build under test. */
export const UWS_MODULE_FLAG = `--uws-module ${uwsBuild.module}`;
