/* Ids the client makes up for what it sends (client_msg_id), so a resend after a reconnect
   is recognised by the server instead of delivered twice. */

/** A random version-4 UUID, also where crypto.randomUUID is missing (plain-HTTP pages) and,
    as a last resort, where no secure random source exists at all. */
export const uuid = () => {
  try {
    if (crypto.randomUUID) return crypto.randomUUID();
  } catch (_) {
    /* insecure context */
  }
  const b = new Uint8Array(16);
  try {
    crypto.getRandomValues(b);
  } catch (_) {
    for (let i = 0; i < 16; i++) b[i] = (Math.random() * 256) | 0;
  }
  b[6] = (b[6] & 15) | 64;
  b[8] = (b[8] & 63) | 128;
  const x = Array.from(b, (n) => n.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
};
