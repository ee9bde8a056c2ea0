// RFC 8288 (formerly 5988) Link header parsing: `<url>; rel="next"; title="x", <url2>; rel=prev`.
// Written as a small scanner rather than a split(',') because URLs and quoted params may contain
// commas and semicolons.

export interface LinkValue {
  url: string;
  /** Lower-cased relation types; `rel` may list several separated by spaces. */
  rels: string[];
  params: Record<string, string>;
}

export function parseLinkHeader(header: string | undefined): LinkValue[] {
  if (!header) return [];
  const links: LinkValue[] = [];
  let i = 0;
  const n = header.length;
  const skipWhitespace = () => {
    while (i < n && /\s/.test(header[i]!)) i++;
  };

  while (i < n) {
    skipWhitespace();
    if (header[i] === ',') {
      i++;
      continue;
    }
    if (header[i] !== '<') {
      // Not a link-value: skip to the next comma outside quotes.
      skipToNextLink();
      continue;
    }
    const end = header.indexOf('>', i + 1);
    if (end < 0) break;
    const url = header.slice(i + 1, end).trim();
    i = end + 1;
    const params: Record<string, string> = {};
    for (;;) {
      skipWhitespace();
      if (header[i] !== ';') break;
      i++;
      skipWhitespace();
      const nameMatch = /^[^=;,\s]+/.exec(header.slice(i));
      if (!nameMatch) continue;
      const name = nameMatch[0].toLowerCase();
      i += nameMatch[0].length;
      skipWhitespace();
      let value = '';
      if (header[i] === '=') {
        i++;
        skipWhitespace();
        if (header[i] === '"') {
          i++;
          while (i < n && header[i] !== '"') {
            if (header[i] === '\\' && i + 1 < n) i++;
            value += header[i];
            i++;
          }
          i++; // closing quote
        } else {
          const tokenMatch = /^[^;,\s]*/.exec(header.slice(i));
          value = tokenMatch?.[0] ?? '';
          i += value.length;
        }
      }
      // The first occurrence of a parameter wins (RFC 8288 §3.3).
      if (!(name in params)) params[name] = value;
    }
    const rels = (params.rel ?? '').toLowerCase().split(/\s+/).filter(Boolean);
    links.push({ url, rels, params });
    skipToNextLink();
  }
  return links;

  function skipToNextLink(): void {
    let quoted = false;
    while (i < n) {
      const ch = header![i]!;
      if (ch === '"') quoted = !quoted;
      else if (ch === ',' && !quoted) {
        i++;
        return;
      }
      i++;
    }
  }
}

/** The URL of the first link with rel="next", if any. */
export function findNextLink(header: string | undefined): string | undefined {
  return parseLinkHeader(header).find((link) => link.rels.includes('next'))?.url;
}
