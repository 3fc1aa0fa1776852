/* Opening the page's WebSocket without an exception escaping: the constructor throws on an
   address the browser refuses (malformed, or blocked by the page's policy), and the caller
   should then retry later like after any other failed connection. */

/** A WebSocket to `url`, or null when the browser refuses to open one. */
export const openSocket = (url) => {
  try {
    return new WebSocket(url);
  } catch (_) {
    return null;
  }
};
