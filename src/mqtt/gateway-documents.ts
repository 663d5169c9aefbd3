// The gateway's own retained documents (DESIGN §3): `gateway/info` describes the box — the config
// with secrets removed and its JSON Schema, so any UI can draw a settings form from it (Zigbee2MQTT's
// bridge/info) — and `gateway/state` says online or offline.
import type { z } from 'zod';
import type { Settings } from '../config/schema.ts';
import { settingsJsonSchema } from '../config/schema.ts';
import { redactSecrets } from '../config/secrets.ts';
import { API_VERSION, VERSION } from '../version.ts';
import type { TOPICS } from './topics.ts';

export type InfoDocument = z.infer<typeof TOPICS.info.schema>;
export type StateDocument = z.infer<typeof TOPICS.state.schema>;

export function infoDocument(settings: Readonly<Settings>, demo: boolean): InfoDocument {
  return {
    version: VERSION,
    api_version: API_VERSION,
    till_id: settings.till_id,
    branch_id: settings.branch_id,
    provider: settings.provider.name,
    demo,
    config: redactSecrets(settings),
    config_schema: settingsJsonSchema(),
  };
}

export function stateDocument(state: StateDocument['state']): StateDocument {
  return { state };
}
