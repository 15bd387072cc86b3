import { createHash } from "node:crypto";
import { watch, type FSWatcher } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";

/** A burst of writes (an editor saving, a ConfigMap update) settles within this. */
const SETTLE_MS = 250;

async function digest(file: string): Promise<string | undefined> {
  try {
    return createHash("sha256").update(await readFile(file)).digest("hex");
  } catch {
    // Gone for a moment while it is replaced; the next event reads it again.
    return undefined;
  }
}

/**
 * Calls `onChange` when the config file's content changes. The file's directory is watched, not
 * the file: editors save by writing a new file and renaming it over the old one, and Kubernetes
 * updates a mounted ConfigMap by swapping a `..data` symlink, and both replace the inode a watch
 * on the file would follow. Events are debounced, and only a new content triggers, so a burst
 * of writes is one reload (two at most) and a touch is none.
 */
export async function watchConfigFile(file: string, onChange: () => void): Promise<() => void> {
  let known = await digest(file);
  let timer: NodeJS.Timeout | undefined;
  const check = async () => {
    const now = await digest(file);
    if (now === undefined || now === known) return;
    known = now;
    onChange();
  };
  const watcher: FSWatcher = watch(path.dirname(path.resolve(file)), () => {
    clearTimeout(timer);
    timer = setTimeout(() => void check(), SETTLE_MS);
  });
  watcher.on("error", () => undefined);
  return () => {
    clearTimeout(timer);
    watcher.close();
  };
}
