// An exclusive lock on a folder held by one process: a file `<folder>.lock` beside it, created with O_EXCL, holding
// the owner's pid, host, process start time and boot id (and, once it listens, the server's URL). A second process
// gets FolderLockedError naming the holder. A lock whose owner is gone (no such pid, another boot, or a pid reused by
// a process that started later) is taken over under a short-lived `<folder>.lock.takeover` file, so that two
// processes that both find it stale do not both win. Released on release() and, synchronously, at process exit.
import { closeSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';

export interface LockHolder {
  pid: number;
  host: string;
  /** The process's start time in clock ticks since boot (Linux), to tell a reused pid from the holder. */
  start?: string;
  boot?: string;
  acquired_at: string;
  /** The HTTP server of the holder, once it listens. */
  url?: string;
}

export class FolderLockedError extends Error {
  override name = 'FolderLockedError';
  constructor(
    readonly folder: string,
    readonly holder: LockHolder,
  ) {
    super(
      `${folder} is in use by process ${holder.pid}${holder.host !== hostname() ? ` on ${holder.host}` : ''}${holder.url ? ` (the server at ${holder.url})` : ''}; only one process may open it (stop that process, or set DATABASE_URL to share a PostgreSQL database)`,
    );
  }
}

export interface FolderLock {
  readonly folder: string;
  readonly path: string;
  /** Records more about the holder (e.g. the URL it serves on) for whoever finds the folder locked. */
  annotate(extra: Pick<LockHolder, 'url'>): void;
  release(): void;
}

const held = new Map<string, FolderLock>();

function readProc(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Field 22 of /proc/<pid>/stat (start time), or undefined where there is no /proc. */
function processStart(pid: number): string | undefined {
  const stat = readProc(`/proc/${pid}/stat`);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return fields[19];
}

function bootId(): string | undefined {
  return readProc('/proc/sys/kernel/random/boot_id')?.trim();
}

function me(): LockHolder {
  return {
    pid: process.pid,
    host: hostname(),
    start: processStart(process.pid),
    boot: bootId(),
    acquired_at: new Date().toISOString(),
  };
}

function readHolder(path: string): LockHolder | undefined | 'unreadable' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const h = JSON.parse(text) as LockHolder;
    if (!Number.isInteger(h.pid) || typeof h.host !== 'string') return 'unreadable';
    return h;
  } catch {
    return 'unreadable';
  }
}

/** Whether the process that wrote `h` is still running (unknowable for another host: assume so). */
export function holderAlive(h: LockHolder): boolean {
  if (h.host !== hostname()) return true;
  if (h.pid === process.pid) return false; // not in `held` (checked first), so a former process with our pid
  const boot = bootId();
  if (h.boot && boot && h.boot !== boot) return false;
  try {
    process.kill(h.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const start = processStart(h.pid);
  if (h.start && start && h.start !== start) return false;
  return true;
}

function writeExclusive(path: string, holder: LockHolder): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o644);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
  try {
    writeSync(fd, JSON.stringify(holder));
  } finally {
    closeSync(fd);
  }
  return true;
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Removes `lockPath` if it still belongs to the dead holder `stale`, under the takeover file. */
function takeOver(lockPath: string, stale: LockHolder | 'unreadable'): void {
  const guard = `${lockPath}.takeover`;
  if (!writeExclusive(guard, me())) {
    const g = readHolder(guard);
    // a takeover whose process died mid-way (milliseconds' window); otherwise another process is on it
    if (g === undefined || (g !== 'unreadable' && holderAlive(g))) return;
    unlinkQuiet(guard);
    if (!writeExclusive(guard, me())) return;
  }
  try {
    const now = readHolder(lockPath);
    if (now === undefined) return;
    const same =
      now === 'unreadable'
        ? stale === 'unreadable'
        : stale !== 'unreadable' && now.pid === stale.pid && now.acquired_at === stale.acquired_at;
    if (same) unlinkQuiet(lockPath);
  } finally {
    unlinkQuiet(guard);
  }
}

/**
 * Takes the exclusive lock on `folder` (the lock file sits beside it) or throws FolderLockedError naming the holder.
 * Opening the same folder twice in one process is refused as well.
 */
export function lockFolder(folder: string): FolderLock {
  const path = `${folder}.lock`;
  const mine = held.get(folder);
  if (mine) throw new FolderLockedError(folder, readHolder(path) as LockHolder);
  let holder = me();
  for (let attempt = 0; attempt < 5; attempt++) {
    if (writeExclusive(path, holder)) {
      const release = () => {
        if (held.get(folder) !== lock) return;
        held.delete(folder);
        process.off('exit', release);
        const h = readHolder(path);
        if (h !== undefined && h !== 'unreadable' && h.pid === process.pid) unlinkQuiet(path);
      };
      const lock: FolderLock = {
        folder,
        path,
        annotate(extra) {
          holder = { ...holder, ...extra };
          const tmp = `${path}.${process.pid}.tmp`;
          const fd = openSync(tmp, 'w', 0o644);
          try {
            writeSync(fd, JSON.stringify(holder));
          } finally {
            closeSync(fd);
          }
          renameSync(tmp, path);
        },
        release,
      };
      held.set(folder, lock);
      process.on('exit', release);
      return lock;
    }
    const other = readHolder(path);
    if (other === undefined) continue; // released in between
    if (other !== 'unreadable' && holderAlive(other)) throw new FolderLockedError(folder, other);
    // a lock file without a holder yet is being written right now, unless it is old (its writer died mid-write)
    if (
      other === 'unreadable' &&
      Date.now() - (statSync(path, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) < 10_000
    )
      continue;
    takeOver(path, other);
  }
  const last = readHolder(path);
  throw new FolderLockedError(
    folder,
    last && last !== 'unreadable' ? last : { pid: -1, host: hostname(), acquired_at: '' },
  );
}

/** The holder of `folder`'s lock when a live process holds it. */
export function folderLockHolder(folder: string): LockHolder | undefined {
  const h = readHolder(`${folder}.lock`);
  return h && h !== 'unreadable' && (held.has(folder) || holderAlive(h)) ? h : undefined;
}
