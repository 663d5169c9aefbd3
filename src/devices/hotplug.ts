// Hotplug events for device discovery (DESIGN §6: a device that comes back is re-attached). Polling
// alone left a replugged scanner dark for up to a poll interval plus the retry delay after its loss:
// 1.1–2.0 s measured by the fault soak, against a bar of 1 s. inotify (fs.watch) on the folders
// where device nodes appear — /dev for ttyACM and hidraw nodes, the folder of each configured serial
// path — starts a discovery pass at once. Polling stays as the fallback wherever a watch cannot be
// set (no such folder yet, no inotify, the watch limit reached) or misses an event.
import { type FSWatcher, watch } from 'node:fs';

export interface HotplugWatch {
  close(): void;
}

export function watchDeviceFolders(
  folders: readonly string[],
  onChange: () => void,
  onUnwatched: (folder: string, error: unknown) => void,
): HotplugWatch {
  const watchers: FSWatcher[] = [];
  for (const folder of new Set(folders)) {
    try {
      // Only 'rename' (a node created, removed or moved): 'change' fires on every read and write of a
      // tty in the folder (/dev/pts, a pty's folder), which made each scan start a discovery pass
      // and cost the scan path ~0.1 ms at p50 (bench scan_latency, 1.29 → 1.78 × the floor).
      const watcher = watch(folder, { persistent: false }, (event) => {
        if (event === 'rename') onChange();
      });
      // A folder removed under its watch (a test's temp dir) or an inotify failure: poll instead.
      watcher.on('error', (err) => {
        watcher.close();
        onUnwatched(folder, err);
      });
      watchers.push(watcher);
    } catch (err) {
      onUnwatched(folder, err);
    }
  }
  return {
    close() {
      for (const w of watchers.splice(0)) w.close();
    },
  };
}
