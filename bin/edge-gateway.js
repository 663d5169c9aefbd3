#!/usr/bin/env node
// Entry point of the `edge-gateway` command: the sources are TypeScript run through tsx's loader.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
