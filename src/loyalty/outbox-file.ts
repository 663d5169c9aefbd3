// Which outbox file a box uses. The built-in simulator (no provider URL: demo mode, or a box whose
// config was lost) keeps its own, so sales queued for the real provider are never "delivered" to
// the simulator while the box waits to be provisioned again, and demo sales never reach the real
// provider once it is (DESIGN §5: none lost, none twice).
import { join } from 'node:path';

export function outboxFile(settings: { data_dir: string; provider: { url: string | null } }): string {
  return join(
    settings.data_dir,
    settings.provider.url === null ? 'outbox-simulator.sqlite' : 'outbox.sqlite',
  );
}
