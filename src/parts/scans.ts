// Device profiles and the scan pipeline (DESIGN §6): every frame from a device or a test scan is
// classified once and published once on `scan`.
import { createDuplicateFilter } from '../classify/index.ts';
import { defaultProfilesDir, loadProfiles } from '../devices/profiles/index.ts';
import { createClassifier } from '../scans/classifier.ts';
import { createScanPipeline } from '../scans/pipeline.ts';
import type { Part } from './part.ts';

export const scansPart: Part = {
  name: 'scans',
  settings: ['devices.profiles_dir', 'loyalty'],
  start(ctx) {
    const { settings } = ctx;
    const log = ctx.logger.child({ part: 'scans' });
    const { profiles, errors } = loadProfiles(settings.devices.profiles_dir ?? defaultProfilesDir);
    // A broken profile file must not brick the box: it is named loudly and the others still work.
    for (const e of errors) {
      log.error('device profile invalid', { file: e.file, path: e.path, detail: e.message });
    }
    const duplicates = createDuplicateFilter({ windowMs: settings.loyalty.duplicate_window_ms });
    const scans = createScanPipeline({
      classify: createClassifier(settings.loyalty, profiles),
      logger: log,
      // Test scans are typed on purpose; only devices repeat themselves (a code held under the scanner).
      isDuplicate: (deviceId, text) => deviceId !== 'test' && duplicates.isDuplicate(deviceId, text),
      // Its digests are added once the scan is out, off the scan's latency (classify/duplicate-filter.ts).
      afterScan: () => duplicates.settle(),
      // The till's copy goes out first and alone; listeners and the log follow (scans/pipeline.ts).
      publish: (_event, payload) => ctx.publish('scan', payload),
    });
    ctx.provide('profiles', profiles);
    ctx.provide('scans', scans);
    return {};
  },
};
