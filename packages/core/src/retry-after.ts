/**
 * `Retry-After` for a 503 that asks the client to come back: whole seconds (RFC 9110
 * §10.2.3 delay-seconds), drawn at random in [minSeconds, maxSeconds] so that clients
 * refused in the same instant do not all return in the same instant (a thundering
 * herd would be refused again). Every 503 of the stack (engine pushback, the CT log
 * busy behind Fulcio, load shedding) takes its value from here.
 */
export interface RetryAfterRange {
  minSeconds: number;
  maxSeconds: number;
}

/** 1–2 s: sigstore-go and cosign honour Retry-After and retry; longer only under sustained overload. */
export const DEFAULT_RETRY_AFTER: Readonly<RetryAfterRange> = { minSeconds: 1, maxSeconds: 2 };

/** A jittered delay-seconds value, as the header's text. `random` is injectable for tests. */
export function retryAfterSeconds(range: RetryAfterRange = DEFAULT_RETRY_AFTER, random: () => number = Math.random): string {
  const min = Math.max(0, Math.floor(range.minSeconds));
  const max = Math.max(min, Math.floor(range.maxSeconds));
  return String(min + Math.min(max - min, Math.floor(random() * (max - min + 1))));
}
