// USB and serial devices (DESIGN §6): frames go to the scan pipeline, state changes to the till
// (`devices`, `device/<id>/availability`) and to the bus for whoever shows health.
import { createNodeHidBackend } from '../devices/backends/node-hid.ts';
import { createSerialPortBackend } from '../devices/backends/serialport.ts';
import { createDeviceManager } from '../devices/manager.ts';
import type { Part } from './part.ts';

export const devicesPart: Part = {
  name: 'devices',
  settings: ['devices'],
  uses: ['profiles'],
  async start(ctx) {
    const { settings, hardware } = ctx;
    const log = ctx.logger.child({ part: 'devices' });
    const fail = (err: unknown) => log.error('device state publish failed', { error: err });
    const devices = createDeviceManager({
      hid: settings.devices.hid
        ? (hardware.hid ?? createNodeHidBackend(settings.devices.hid_driver))
        : undefined,
      serial: hardware.serial ?? createSerialPortBackend(),
      profiles: ctx.profiles,
      staticSerial: settings.devices.serial,
      pollIntervalMs: settings.devices.poll_interval_ms,
      // Where udev creates ttyACM, ttyUSB and hidraw nodes.
      watchFolders: ['/dev'],
      logger: log,
      onFrame: (source, frame) => {
        ctx.scans.ingest(source, frame);
      },
      onChange: (list, changed) => {
        ctx.bus.emit('devices', { list, changed });
        ctx.publish('devices', list).catch(fail);
        const state = changed.state === 'online' ? 'online' : 'offline';
        ctx.publish('deviceAvailability', { state }, { device_id: changed.id }).catch(fail);
      },
    });
    // Retained: a till subscribing before the first device appears learns there is none yet.
    await ctx.publish('devices', []);
    ctx.provide('devices', devices);
    await devices.start();
    return { stop: () => devices.stop() };
  },
};
