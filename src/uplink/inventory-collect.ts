// What the box is (DESIGN §8 `.../inventory`), through systeminformation: model and serial, OS and
// kernel, network interfaces, USB devices, disks, memory. Several of these calls run commands
// synchronously (docs/stack-notes.md), so this module is only ever loaded in the inventory sampler
// thread.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import type Si from 'systeminformation';
import type { UplinkInventory } from '../mqtt/topics.ts';

export type CollectedInventory = Omit<UplinkInventory, 'ts' | 'version'>;

// Pseudo and container file systems say nothing about the box's storage.
const VIRTUAL_FS = /^(tmpfs|devtmpfs|overlay|squashfs|proc|sysfs|cgroup2?|efivarfs|ramfs)$/;
const MB = 2 ** 20;
// Only the seven of its 23 modules that the inventory reads: its index loads them all (docker,
// wifi, bluetooth, printers, ...), which made each sample's peak 5 MB higher (measured in a
// worker thread, docs/stack-notes.md).
const require = createRequire(import.meta.url);
const lib = <K extends keyof typeof Si>(file: string, ...names: K[]): Pick<typeof Si, K> =>
  require(`systeminformation/lib/${file}.js`) as Pick<typeof Si, (typeof names)[number]>;
const si = {
  ...lib('system', 'system'),
  ...lib('osinfo', 'osInfo'),
  ...lib('cpu', 'cpu'),
  ...lib('memory', 'mem'),
  ...lib('filesystem', 'fsSize'),
  ...lib('network', 'networkInterfaces'),
  ...lib('usb', 'usb'),
};

const orNull = (v: string | undefined | null) => (v && v !== '-' ? v : null);

export async function collectInventory(): Promise<CollectedInventory> {
  const [system, os, cpu, mem, disks, nets, usb, dtModel] = await Promise.all([
    si.system(),
    si.osInfo(),
    si.cpu(),
    si.mem(),
    si.fsSize().catch(() => []),
    si.networkInterfaces().catch(() => []),
    si.usb().catch(() => []),
    // The device tree names a Pi exactly ("Raspberry Pi 4 Model B Rev 1.4").
    readFile('/proc/device-tree/model', 'utf8').then(
      (m) => m.replace(/\0+$/, '').trim(),
      () => '',
    ),
  ]);
  const netList = Array.isArray(nets) ? nets : [nets];
  return {
    model: orNull(dtModel) ?? orNull(system.model),
    manufacturer: orNull(system.manufacturer),
    serial: orNull(system.serial),
    machine_id: orNull(os.serial),
    os: {
      platform: os.platform,
      distro: os.distro,
      release: os.release,
      kernel: os.kernel,
      arch: os.arch,
      hostname: os.hostname,
    },
    cpu: { brand: [cpu.manufacturer, cpu.brand].filter(Boolean).join(' '), cores: cpu.cores },
    memory: { total_mb: Math.round(mem.total / MB) },
    disks: disks
      .filter((d) => !VIRTUAL_FS.test(d.type))
      .slice(0, 16)
      .map((d) => ({ mount: d.mount, fs: d.fs, type: d.type, size_mb: Math.round(d.size / MB) })),
    network: netList
      .filter((n) => !n.internal)
      .map((n) => ({
        iface: n.iface,
        ip4: n.ip4,
        ip6: n.ip6,
        mac: n.mac,
        type: n.type,
        state: n.operstate,
      })),
    usb: usb.slice(0, 64).map((u) => {
      const [vendor, product] = String(u.id ?? '').split(':');
      return {
        vendor_id: vendor || null,
        product_id: product || null,
        name: u.name ?? '',
        manufacturer: orNull(u.manufacturer ?? u.vendor),
      };
    }),
  };
}
