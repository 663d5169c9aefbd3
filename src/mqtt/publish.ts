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

/** `broker` may hand a promise while the broker restarts; the usual path stays synchronous (scans). */
export function createPublisher(broker: () => Broker | Promise<Broker>, base: string): Publish {
  // A topic without parameters (scan, once per scan) is the same string every time: made once.
  const fixed = new Map<TopicName, { topic: string; opts: { retain: boolean; qos: 0 | 1 } }>();
  const route = (name: TopicName, params: Record<string, string> | undefined) => {
    const known = params === undefined ? fixed.get(name) : undefined;
    if (known) return known;
    const r = {
      topic: topicOf(base, name, params ?? {}),
      opts: { retain: TOPICS[name].retain, qos: TOPICS[name].qos },
    };
    if (params === undefined) fixed.set(name, r);
    return r;
  };
  return (name, payload, ...params) => {
    const { topic, opts } = route(name, params[0]);
    const b = broker();
    return b instanceof Promise
      ? b.then((later) => later.publish(topic, payload, opts))
      : b.publish(topic, payload, opts);
  };
}
