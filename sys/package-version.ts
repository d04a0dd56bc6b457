// The package's version for the three CLIs' --version (read from package.json next to build/).
import fs from 'node:fs';

export function packageVersion(): string {
  try {
    return String(JSON.parse(fs.readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}
