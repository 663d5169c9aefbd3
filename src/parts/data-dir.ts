// The data directory every other part writes below (outbox, secrets, state): created first, owner
// only, so a directory that cannot be written fails the start by name (exit data_dir_unwritable).
import { accessSync, constants, mkdirSync } from 'node:fs';
import { inDataDir } from '../config/errors.ts';
import type { Part } from './part.ts';

export const dataDirPart: Part = {
  name: 'data-dir',
  settings: ['data_dir'],
  start(ctx) {
    const dir = ctx.settings.data_dir;
    inDataDir(dir, () => {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      accessSync(dir, constants.W_OK);
    });
    return {};
  },
};
