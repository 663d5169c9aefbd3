// Publishing a registry topic: the topic string, retain flag and QoS all come from the registry,
// so no part builds a topic string of its own (DESIGN §11).
import type { Broker } from './broker.ts';
import { TOPICS, type TopicName, topicOf } from './topics.ts';

export type Publish = (name: TopicName, payload: unknown, params?: Record<string, string>) => Promise<void>;

export function createPublisher(broker: () => Broker, base: string): Publish {
  return (name, payload, params = {}) =>
    broker().publish(topicOf(base, name, params), payload, {
      retain: TOPICS[name].retain,
      qos: TOPICS[name].qos,
    });
}
