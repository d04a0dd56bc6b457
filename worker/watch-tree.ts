// --reload: watches a folder and every folder under it (not node_modules, not dot-folders, each
// with its own non-recursive fs.watch: Node's recursive mode would watch node_modules too) and
// calls back once changes have been quiet for `debounceMs`.
import fs from 'node:fs';
import path from 'node:path';

/** More folders than this is not an app folder (a home directory?): stop adding watches. */
const MAX_DIRS = 2000;

const skipDir = (name: string) => name === 'node_modules' || name.startsWith('.');
// Editors' swap, backup and probe files (vim writes "4913" to test the folder); logs and sockets
// the app itself may write there (each write would roll the workers again).
const skipFile = (name: string) => name.startsWith('.') || name.endsWith('~') || /\.(swp|swx|tmp|log|sock)$/.test(name) || name === '4913';

export interface TreeWatch {
  close(): void;
  readonly dirs: number;
}

export function watchTree(root: string, onChange: (file: string) => void, warn: (msg: string) => void, debounceMs = 100): TreeWatch {
  const watchers = new Map<string, fs.FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let last = '';
  let warned = false;

  const changed = (file: string) => {
    last = file;
    clearTimeout(timer);
    timer = setTimeout(() => onChange(last), debounceMs);
  };

  const add = (dir: string) => {
    if (watchers.has(dir)) return;
    if (watchers.size >= MAX_DIRS) {
      if (!warned) warn(`--reload: more than ${MAX_DIRS} folders under ${root}; changes in the others are not seen`);
      warned = true;
      return;
    }
    let w: fs.FSWatcher;
    try {
      w = fs.watch(dir, (_event, name) => {
        if (!name || skipFile(name.toString())) return;
        const file = path.join(dir, name.toString());
        // A new folder (created or moved in) is watched as well.
        if (!skipDir(name.toString()) && isDir(file)) walk(file);
        changed(file);
      });
    } catch {
      return; // gone, or not readable
    }
    w.on('error', () => {
      w.close();
      watchers.delete(dir);
    });
    watchers.set(dir, w);
  };

  const walk = (dir: string) => {
    add(dir);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) if (e.isDirectory() && !skipDir(e.name)) walk(path.join(dir, e.name));
  };

  walk(root);
  return {
    get dirs() {
      return watchers.size;
    },
    close() {
      clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}
