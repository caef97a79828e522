/**
 * Polls `f` every 250 ms until it returns something other than undefined, and throws
 * naming `what` after `ms`. For state that a running stack reaches on its own time
 * (a cosigned checkpoint, an alert after a monitor poll): a bound, not a timed assertion.
 */
export async function pollFor<T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
