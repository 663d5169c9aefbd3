// `edge-gateway simulate-provider [--port N]` (DESIGN §9): the provider simulator on its own, for a
// development till or a demo. Prints the `ready` line that scripts wait for, stops on SIGTERM/SIGINT.

import { createLogger, isLogLevel, type Logger } from '../../log.ts';
import { createSimulator, type Simulator } from './index.ts';

export const DEFAULT_SIMULATOR_PORT = 8787;

export interface SimulatorCliOptions {
  port?: number;
  host?: string;
  seed?: number;
  logger?: Logger;
}

export async function runSimulatorCli(opts: SimulatorCliOptions = {}): Promise<Simulator> {
  const envLevel = process.env.EDGE_LOG_LEVEL;
  const logger = (opts.logger ?? createLogger({ level: isLogLevel(envLevel) ? envLevel : 'info' })).child({
    part: 'simulator',
  });
  const sim = await createSimulator({
    port: opts.port ?? DEFAULT_SIMULATOR_PORT,
    host: opts.host ?? '127.0.0.1',
    seed: opts.seed,
    logger,
  });
  const stop = (signal: NodeJS.Signals) => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    logger.info('stopping', { signal });
    void sim.close().then(() => logger.info('stopped'));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  logger.always('ready', { url: sim.url });
  return {
    ...sim,
    close: () => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      return sim.close();
    },
  };
}
