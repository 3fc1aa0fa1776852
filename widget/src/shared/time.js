/* Times as the desk pages show them: a clock time for a message, a rounded span for a wait. */

/** Milliseconds since the epoch of an ISO time, or null when the server sent none or garbage. */
export const parseTime = (iso) => {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? null : t;
};

/** "14:05" in the reader's locale; empty for a missing time, so a row never says "Invalid Date". */
export const clock = (iso) => {
  const t = parseTime(iso);
  return t == null ? '' : new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
};

/** A duration as a person says it: "40 s", "12 min", "2 h 5 min". */
export const span = (ms) => {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  if (m < 60) return `${m} min`;
  const hr = Math.floor(m / 60);
  return `${hr} h ${m % 60} min`;
};
