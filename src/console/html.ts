// HTML by tagged template: every interpolated value is escaped unless it is already Html (made by
// `html` itself). Platform text (error messages, names) can only reach a page through here.
import { escapeHtml } from '../notifiers/email/render.ts';

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

type Part = Html | string | number | boolean | null | undefined | readonly Part[];

function render(v: Part): string {
  if (v === null || v === undefined || v === false) return '';
  if (v instanceof Html) return v.text;
  if (Array.isArray(v)) return v.map(render).join('');
  return escapeHtml(String(v));
}

export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new Html(out);
}

/** A whole page: the console's stylesheet and script, nothing from elsewhere (the CSP allows 'self' only). */
export function page(title: string, body: Html, options: { csrf?: string; refresh?: boolean } = {}): string {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <link rel="stylesheet" href="/console/assets/console.css" />
        ${options.csrf ? html`<meta name="csrf-token" content="${options.csrf}" />` : ''}
        ${options.refresh ? html`<script src="/console/assets/console.js" defer></script>` : ''}
      </head>
      <body>
        ${body}
      </body>
    </html>`.text;
}
