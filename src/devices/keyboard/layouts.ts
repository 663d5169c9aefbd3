// Registry of layout tables by keyboard-country name, as named in device profiles
// (docs/scanners-and-readers.md §6.6 `keyboard.layout`). The layout must equal the scanner's
// configured country (docs/scanners-and-readers.md §0 rule 3).

import { deLayout } from './layout-de.ts';
import type { KeyboardLayout } from './layout-types.ts';
import { usLayout } from './layout-us.ts';

export const layoutNames = ['us', 'de'] as const;
export type LayoutName = (typeof layoutNames)[number];

const layouts: Readonly<Record<LayoutName, KeyboardLayout>> = { us: usLayout, de: deLayout };

export class UnknownLayoutError extends Error {
  readonly code = 'unknown_layout';
  constructor(readonly layout: string) {
    super(`unknown keyboard layout "${layout}"; known layouts: ${layoutNames.join(', ')}`);
    this.name = 'UnknownLayoutError';
  }
}

export function isLayoutName(name: string): name is LayoutName {
  return (layoutNames as readonly string[]).includes(name);
}

/** The layout table for a keyboard country; throws `UnknownLayoutError` listing the known names. */
export function getLayout(name: string): KeyboardLayout {
  if (!isLayoutName(name)) throw new UnknownLayoutError(name);
  return layouts[name];
}
