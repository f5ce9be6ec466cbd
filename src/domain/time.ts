/**
 * Milliseconds since the epoch of an ISO 8601 time, or undefined when it is not one. Parsing a
 * given time reads no clock, which is what the domain's ban on `Date` is about.
 */
export function epochMsOf(time: string): number | undefined {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(time)) return undefined;
  // eslint-disable-next-line no-restricted-globals -- parses a given time; the clock is only read through the Clock port
  const ms = Date.parse(time);
  return Number.isNaN(ms) ? undefined : ms;
}
