// The registry's topic matching (ACL and routing of every till request) and filling (every
// response topic), compiled once per pattern: they must agree with each other and with MQTT's
// own filter semantics for any topic a till may send, edges included.
import test from 'ava';
import fc from 'fast-check';
import { filterMatches } from '../../src/mqtt/acks.ts';
import {
  filterOf,
  matchTopic,
  TOPICS,
  type TopicName,
  tillPublishTopic,
  topicOf,
} from '../../src/mqtt/topics.ts';

const BASE = 'pos/T1';
const names = Object.keys(TOPICS) as TopicName[];
/** Levels as a till might write them: registry words, odd characters, empty ones (never a `+` or
 * `#`: a PUBLISH topic with a wildcard is refused before it is matched, MQTT 3.1.1 section 4.7.1). */
const level = fc.oneof(
  fc.constantFrom(
    'request',
    'response',
    'loyalty',
    'turnover',
    'device',
    'availability',
    'scan',
    'event',
    '',
  ),
  fc.string({ maxLength: 6 }).filter((s) => !/[/+#]/.test(s)),
);
/** A registry pattern with its parameters filled by such levels (so some match), or any levels. */
const filled = fc
  .tuple(fc.constantFrom(...names.map((n) => TOPICS[n].pattern)), level, fc.array(level, { maxLength: 3 }))
  .map(
    ([pattern, one, many]) =>
      `${BASE}/${pattern.replace(/\{\w+\*\}/g, many.join('/')).replace(/\{\w+\}/g, one)}`,
  );
const topic = fc.oneof(
  filled,
  fc.array(level, { minLength: 1, maxLength: 5 }).map((levels) => `${BASE}/${levels.join('/')}`),
  fc.constantFrom(BASE, `${BASE}/`, 'pos/T10/request/x', 'pos/T/request/x', `${BASE}//request/x`),
);

test('a matched topic is the one its parameters fill, and its filter matches it', (t) => {
  let matched = 0;
  fc.assert(
    fc.property(topic, fc.constantFrom(...names), (tp, name) => {
      const params = matchTopic(BASE, name, tp);
      if (params === null) return;
      matched++;
      if (topicOf(BASE, name, params) !== tp) throw new Error(`${tp} filled back differently`);
      if (!filterMatches(filterOf(BASE, name), tp)) throw new Error(`${filterOf(BASE, name)} misses ${tp}`);
    }),
    { numRuns: 5000 },
  );
  // The generator reaches matching topics often enough for the property to say something.
  t.true(matched > 50, `only ${matched} topics matched`);
});

test('a filled topic matches back to its parameters', (t) => {
  const word = fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !/[/+#]/.test(s));
  fc.assert(
    fc.property(word, fc.array(word, { minLength: 1, maxLength: 3 }), (deviceId, opLevels) => {
      const op = opLevels.join('/');
      t.deepEqual(matchTopic(BASE, 'request', topicOf(BASE, 'request', { op })), { op });
      t.deepEqual(
        matchTopic(BASE, 'deviceAvailability', topicOf(BASE, 'deviceAvailability', { device_id: deviceId })),
        {
          device_id: deviceId,
        },
      );
    }),
  );
});

test('a till may publish requests below its own base only, with a whole op', (t) => {
  t.deepEqual(tillPublishTopic(BASE, `${BASE}/request/loyalty/turnover`), {
    name: 'request',
    params: { op: 'loyalty/turnover' },
  });
  for (const tp of [
    `${BASE}/request`,
    `${BASE}/request/`,
    `${BASE}/request/a//b`,
    `${BASE}/request/a/`,
    `${BASE}/response/loyalty/turnover`,
    `${BASE}/scan`,
    'pos/T10/request/loyalty/turnover',
    `${BASE}request/x`,
  ])
    t.is(tillPublishTopic(BASE, tp), null, tp);
  t.throws(() => topicOf(BASE, 'response', { op: 'a/+' }));
  t.throws(() => topicOf(BASE, 'response', { op: '' }));
});

test('filter matching follows MQTT’s level rules', (t) => {
  // The rules written another way, as a regular expression: `+` one level, a last `#` any rest.
  const reference = (filter: string, topic: string) => {
    const levels = filter.split('/');
    const multi = levels.at(-1) === '#';
    const body = (multi ? levels.slice(0, -1) : levels)
      .map((l) => (l === '+' ? '[^/]*' : l.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
      .join('/');
    const re = filter === '#' ? '.*' : multi ? `${body}(/.*)?` : body;
    return new RegExp(`^${re}$`, 's').test(topic);
  };
  const filterLevel = fc.oneof(level, fc.constantFrom('+', 'a', 'b'));
  const filter = fc
    .tuple(fc.array(filterLevel, { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([levels, multi]) => (multi ? [...levels, '#'] : levels).join('/'));
  const shortTopic = fc.array(fc.oneof(level, fc.constantFrom('a', 'b')), { minLength: 1, maxLength: 5 });
  fc.assert(
    fc.property(fc.oneof(filter, fc.constant('#')), shortTopic, (f, levels) => {
      const tp = levels.join('/');
      if (filterMatches(f, tp) !== reference(f, tp)) throw new Error(`${f} vs ${tp}`);
    }),
    { numRuns: 5000 },
  );
  t.true(filterMatches('pos/T1/#', 'pos/T1/response/loyalty/turnover'));
  t.true(filterMatches('pos/+/response/#', 'pos/T1/response/x'));
  t.false(filterMatches('pos/T1/response/+', 'pos/T1/response/loyalty/turnover'));
  t.true(filterMatches('a/#', 'a'));
});
