// One queued copy per away client. aedes hands a QoS 1 publish to its persistence with every stored
// subscription that matches (aedes.js `enqueueOffline`, the trie's matches), so a till subscribed
// twice over to the same scan (`pos/<till>/#` and `pos/<till>/scan`, which MQTT allows) had the
// scan queued twice while it was away, and heard it twice on return. Only away clients: for a
// connected one aedes relies on the extra copies, clearing each as its live delivery finds it a
// duplicate (client.js `deliverQoS` → `outgoingClearMessageId`).

interface Sub {
  clientId: string;
  qos?: number;
}

/**
 * `subs` with one entry per away client id (the highest QoS kept), every other entry as it was;
 * the same array when nothing repeats.
 */
export function onePerAwayClient<S extends Sub>(subs: S[], isAway: (clientId: string) => boolean): S[] {
  // The usual case (one till, one matching subscription) pays one length check.
  if (subs.length < 2) return subs;
  const seen = new Map<string, number>();
  let out: S[] | undefined;
  for (let i = 0; i < subs.length; i++) {
    const sub = subs[i] as S;
    const away = isAway(sub.clientId);
    const at = away ? seen.get(sub.clientId) : undefined;
    if (at === undefined) {
      if (away) seen.set(sub.clientId, out ? out.length : i);
      out?.push(sub);
      continue;
    }
    // A repeat: from here on the result is a copy without it.
    out ??= subs.slice(0, i);
    const kept = out[at] as S;
    if ((sub.qos ?? 0) > (kept.qos ?? 0)) out[at] = sub;
  }
  return out ?? subs;
}
