/**
 * The stack's one clock. The CA's notBefore, Rekor's integratedTime and the TSA's
 * genTime are compared against each other with no leeway by the clients
 * (protocols.md §12.6), so every service takes the same injected Clock.
 */
export interface Clock {
  /** Milliseconds since the Unix epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests can move by hand. */
export class FakeClock implements Clock {
  constructor(private ms: number = Date.UTC(2026, 0, 1)) {}
  now(): number {
    return this.ms;
  }
  set(ms: number): void {
    this.ms = ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}
