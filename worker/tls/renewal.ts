// In-process renewal: every few seconds, stat each certificate and key file (following symlinks,
// so certbot's live/ links and Kubernetes' ..data swap count as changes; a rename over the file
// changes the inode). A changed pair is loaded and checked; a good one serves new handshakes, a
// half-written or mismatched one keeps the old pair serving and is logged once, and is tried
// again when the files change again. Never throws: a renewal must not cost the worker.
import type { Logger } from '../log.js';
import { loadPair, pairStamp, type PairSource } from './pair.js';
import type { TlsServing } from './serving.js';

/** Starts polling; returns the stop function. */
export function watchRenewals(serving: TlsServing, log: Logger): () => void {
  const seconds = serving.config.reloadSeconds;
  if (seconds <= 0) return () => {};
  // From the files' state when they were read at start: a change made since is a change.
  const tried = new Map<PairSource, string>(serving.stamps);
  const check = () => {
    for (const source of serving.sources()) {
      const now = pairStamp(source);
      if (now === tried.get(source)) continue;
      tried.set(source, now);
      const old = serving.pairs.get(source)!;
      let pair;
      try {
        pair = loadPair(source);
      } catch (err) {
        log.warn(`certificate renewal not applied, still serving ${old.fingerprint.slice(0, 23)}: ${(err as Error).message}`);
        continue;
      }
      if (pair.fingerprint === old.fingerprint && pair.key === old.key) continue;
      if (!serving.renewable) {
        log.warn(`${source.certFlag} ${source.certfile} changed; this backend serves the old certificate until the worker restarts (circus-ctl reload)`);
        continue;
      }
      serving.renew(pair);
      log.info(`${source.certFlag} ${source.certfile} renewed: new handshakes get ${pair.fingerprint.slice(0, 23)} (serial ${pair.leaf.serialNumber}, until ${pair.leaf.validTo})`);
    }
  };
  const timer = setInterval(check, seconds * 1000);
  timer.unref();
  return () => clearInterval(timer);
}
