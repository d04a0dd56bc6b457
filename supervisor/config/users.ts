// uid/gid names → numbers from /etc/passwd and /etc/group (Node has no getpwnam).
import fs from 'node:fs';

interface Entry {
  name: string;
  id: number;
  gid: number;
}

function readDb(file: string): Entry[] {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => l.split(':'))
    .map((f) => ({ name: f[0], id: Number(f[2]), gid: Number(f[3]) }));
}

export function lookupUser(spec: string): { uid: number; gid: number } | undefined {
  const users = readDb('/etc/passwd');
  const u = /^\d+$/.test(spec) ? users.find((e) => e.id === Number(spec)) : users.find((e) => e.name === spec);
  if (u) return { uid: u.id, gid: u.gid };
  // A bare number with no passwd entry is still a valid uid (containers often have none).
  return /^\d+$/.test(spec) ? { uid: Number(spec), gid: Number(spec) } : undefined;
}

export function lookupGroup(spec: string): number | undefined {
  if (/^\d+$/.test(spec)) return Number(spec);
  return readDb('/etc/group').find((e) => e.name === spec)?.id;
}
