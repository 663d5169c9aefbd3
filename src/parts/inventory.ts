// The box inventory (DESIGN §8 `.../inventory`): sampled through systeminformation in a
// short-lived child process, again after device changes, and handed to the uplink and the status
// page (to a restarted uplink again after an apply).
import { startInventorySampler } from '../uplink/inventory.ts';
import { VERSION } from '../version.ts';
import type { Part } from './part.ts';

export const inventoryPart: Part = {
  name: 'inventory',
  settings: ['uplink.inventory_interval_s'],
  start(ctx) {
    const sampler = startInventorySampler({
      version: VERSION,
      // 0 = never (uplink.inventory_interval_s): the page and ops then show no inventory.
      intervalMs: ctx.settings.uplink.inventory_interval_s * 1000,
      logger: ctx.logger.child({ part: 'inventory' }),
      // While parts restart the uplink may be between two instances; `applied` hands it over then.
      onChange: (doc) => {
        if (!ctx.applying) ctx.uplink.inventory(doc);
      },
    });
    ctx.provide('inventory', sampler);
    const handOver = () => {
      const doc = sampler.current();
      if (doc) ctx.uplink.inventory(doc);
    };
    // An uplink restarted to apply settings (perhaps on another broker) starts without it.
    const off = [ctx.bus.on('devices', () => sampler.resample()), ctx.bus.on('applied', handOver)];
    return {
      async stop() {
        for (const f of off) f();
        await sampler.stop();
      },
    };
  },
};
