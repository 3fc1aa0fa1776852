/* Elements built from text nodes and attributes, never HTML strings, so nothing a customer,
   agent or model writes can become markup. */

/** The page element with this id. */
export const $ = (id) => document.getElementById(id);

/** An element: `class`, `text` (its text content), `on<event>` (a listener) and any other
    attribute from `props` (null and false leave it out, true sets it empty), then the children,
    arrays flattened, null and false skipped. */
export const h = (tag, props, ...kids) => {
  const el = document.createElement(tag);
  if (props) {
    for (const k of Object.keys(props)) {
      const v = props[k];
      if (v == null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'text') el.textContent = v;
      else if (k.slice(0, 2) === 'on') el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
  }
  for (const c of kids.flat()) if (c != null && c !== false) el.append(c);
  return el;
};
