// The last log lines kept in memory for the diagnostics bundle (issue 9: "recent logs"). Lines are
// already redacted by the logger (src/log.ts), so the ring holds nothing the journal does not.
export interface LogRing {
  push(line: string): void;
  lines(): string[];
}

export function createLogRing(capacity = 500): LogRing {
  const buf: string[] = [];
  let next = 0;
  return {
    push(line) {
      if (buf.length < capacity) buf.push(line);
      else buf[next] = line;
      next = (next + 1) % capacity;
    },
    lines: () => (buf.length < capacity ? [...buf] : [...buf.slice(next), ...buf.slice(0, next)]),
  };
}
