// Publishing a registry topic: the topic string, retain flag and QoS all come from the registry,
// so no part builds a topic string of its own (DESIGN §11).
import type { Broker } from './broker.ts';
import { TOPICS, type TopicName, type TopicParams, type TopicPayload, topicOf } from './topics.ts';

declare const encodes: unique symbol;
/** A payload already serialised to its JSON bytes (the scan path writes its own; scans/event-json.ts). */
export type Encoded<T> = Buffer & { readonly [encodes]?: T };

/** Typed by the registry: the payload is the topic's schema type (or its JSON, encoded), `params`
 * its pattern's names. */
export type Publish = <N extends TopicName>(
  name: N,
  payload: TopicPayload<N> | Encoded<TopicPayload<N>>,
  ...params: [keyof TopicParams<N>] extends [never] ? [] : [TopicParams<N>]
) => Promise<void>;

export function createPublisher(broker: () => Broker, base: string): Publish {
  return (name, payload, ...params) =>
    broker().publish(topicOf(base, name, params[0] ?? {}), payload, {
      retain: TOPICS[name].retain,
      qos: TOPICS[name].qos,
    });
}
