// What the box is (issue 10, DESIGN §8 inventory): model, OS and kernel, addresses, USB devices,
// disks and memory, from the status document. The box's identifiers (hardware serial, MAC
// addresses) are not public: the logged-in technician's page fetches them from /api/inventory.
import { api } from './api.js';
import { h, rows } from './dom.js';

let ids = null; // { ts, serial, macs: {iface: mac} } for the technician, from /api/inventory
let asking = false;

/** Draws the inventory into `dl` and `usb`; `technician` adds the identifiers (fetched once per sample). */
export function renderInventory(dl, usb, inv, technician, redraw) {
  if (!inv) {
    rows(dl, [['Inventory', 'not sampled yet (a few seconds after start)']]);
    usb.replaceChildren();
    return;
  }
  if (!technician) ids = null;
  else if (ids?.ts !== inv.ts && !asking) {
    asking = true;
    void api('GET', '/api/inventory').then((r) => {
      asking = false;
      if (!r.ok || !r.data.inventory) return;
      const i = r.data.inventory;
      ids = { ts: i.ts, serial: i.serial, macs: Object.fromEntries(i.network.map((n) => [n.iface, n.mac])) };
      redraw();
    });
  }
  const mine = technician && ids?.ts === inv.ts ? ids : null;
  const net = inv.network.map((n) => {
    const addr = [n.ip4, n.ip6].filter(Boolean).join(', ') || 'no address';
    const mac = mine?.macs[n.iface];
    return [`${n.iface} (${n.state})`, mac ? `${addr} · MAC ${mac}` : addr];
  });
  rows(dl, [
    ['Model', [inv.manufacturer, inv.model].filter(Boolean).join(' ') || 'unknown'],
    ['Serial', mine ? (mine.serial ?? 'none') : technician ? '…' : 'shown to the technician'],
    ['OS', `${inv.os.distro} ${inv.os.release} (${inv.os.arch})`],
    ['Kernel', inv.os.kernel],
    ['Host name', inv.os.hostname],
    ['CPU', `${inv.cpu.brand}, ${inv.cpu.cores} cores`],
    ['Memory', `${inv.memory.total_mb} MB`],
    ...inv.disks.map((d) => [`Disk ${d.mount}`, `${d.size_mb} MB (${d.type})`]),
    ...net,
  ]);
  usb.replaceChildren(
    ...(inv.usb.length === 0
      ? [h('li', { class: 'hint' }, 'no USB devices')]
      : inv.usb.map((u) =>
          h(
            'li',
            { dataset: { usb: `${u.vendor_id}:${u.product_id}` } },
            u.name || 'USB device',
            h('span', { class: 'hint mono' }, ` ${u.vendor_id ?? '?'}:${u.product_id ?? '?'}`),
            u.manufacturer ? h('span', { class: 'hint' }, ` · ${u.manufacturer}`) : null,
          ),
        )),
  );
}
