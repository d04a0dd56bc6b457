// Every contender, in the order they run within a round.
import { chaussette } from './chaussette.js';
import { circusContenders } from './circus.js';
import { gunicorn } from './gunicorn.js';
import { nginx } from './nginx.js';
import { honoCluster, nodeCluster } from './node-cluster.js';
import { honoSharedFd, nodeSharedFd } from './node-shared-fd.js';
import { pm2Cluster } from './pm2.js';
import { bunServe, denoServe } from './runtimes.js';
import type { Contender } from './types.js';

/** Plain node:http on one inherited fd, on the same Node: what every ratio is relative to. */
export const BASELINE_ID = nodeSharedFd.id;

export const CONTENDERS: Contender[] = [
  nodeSharedFd,
  ...circusContenders,
  honoSharedFd,
  bunServe,
  denoServe,
  nginx,
  nodeCluster,
  honoCluster,
  pm2Cluster,
  gunicorn,
  chaussette,
];

export function selectContenders(list: string | undefined): Contender[] {
  if (!list || list === 'all') return CONTENDERS;
  const ids = list.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !CONTENDERS.some((c) => c.id === id));
  if (unknown.length > 0) {
    const err = new Error(`--contenders: unknown contender(s) ${unknown.join(', ')} (known: ${CONTENDERS.map((c) => c.id).join(', ')})`);
    throw Object.assign(err, { code: 'BAD_OPTION' });
  }
  // The baseline always runs: every ratio needs it from the same run.
  return CONTENDERS.filter((c) => c.id === BASELINE_ID || ids.includes(c.id));
}
