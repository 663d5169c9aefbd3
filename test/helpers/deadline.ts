// Deadlines for what tests tear down: a stop or disconnect that never ends must fail its test
// with a message that says what hung, not stall the whole suite until AVA's global timeout.

export class TeardownTimeout extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TeardownTimeout';
  }
}

/** Settles as `p` does, or rejects once `ms` passed with `what()` (called then, to say the state). */
export async function withDeadline<T>(p: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TeardownTimeout(`${what()} (gave up after ${ms / 1000} s)`)), ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
