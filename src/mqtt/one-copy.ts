// One queued copy per client. aedes hands a QoS 1 publish to its persistence with every stored
// subscription that matches (aedes.js `enqueueOffline`, the trie's matches), so a till subscribed
// twice over to the same scan (`pos/<till>/#` and `pos/<till>/scan`, which MQTT allows) had the
// scan queued twice: heard twice on return from an absence, and, while connected, each repeat
// delivery cleared whatever copy was oldest, another message's when two were under way (aedes then
// closed the till's connection). With one copy the repeats clear nothing (src/mqtt/replay.ts).

interface Sub {
  clientId: string;
  qos?: number;
}

/** A few subscriptions match a message: a look at each pair is cheaper than a Map. */
const FEW = 16;

/** Where `clientId` is in `subs[0..end)`, or -1. */
function indexOf(subs: readonly Sub[], end: number, clientId: string): number {
  for (let j = 0; j < end; j++) if ((subs[j] as Sub).clientId === clientId) return j;
  return -1;
}

/** `subs` with one entry per client id (the highest QoS kept); the same array when none repeats. */
export function onePerClient<S extends Sub>(subs: S[]): S[] {
  // The usual case (one till, one matching subscription) pays one length check.
  if (subs.length < 2) return subs;
  if (subs.length > FEW) return onePerClientMany(subs);
  let i = 1;
  while (i < subs.length && indexOf(subs, i, (subs[i] as S).clientId) === -1) i++;
  if (i === subs.length) return subs;
  const out = subs.slice(0, i);
  for (; i < subs.length; i++) {
    const sub = subs[i] as S;
    const at = indexOf(out, out.length, sub.clientId);
    if (at === -1) out.push(sub);
    else if ((sub.qos ?? 0) > ((out[at] as S).qos ?? 0)) out[at] = sub;
  }
  return out;
}

function onePerClientMany<S extends Sub>(subs: S[]): S[] {
  const at = new Map<string, number>();
  const out: S[] = [];
  for (const sub of subs) {
    const i = at.get(sub.clientId);
    if (i === undefined) {
      at.set(sub.clientId, out.length);
      out.push(sub);
    } else if ((sub.qos ?? 0) > ((out[i] as S).qos ?? 0)) {
      out[i] = sub;
    }
  }
  return out.length === subs.length ? subs : out;
}
