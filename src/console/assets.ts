// The console's only script and stylesheet, served from here (no CDN; the CSP allows 'self' only).
// The script re-fetches the live part every few seconds and swaps it in place, so the page
// refreshes by itself and keeps its scroll position.
export const CONSOLE_JS = `(() => {
  const live = document.getElementById('live');
  if (!live) return;
  const every = 2000;
  async function refresh() {
    // Someone is using a form in the live part (the history filter): leave it be until they are done.
    const active = document.activeElement;
    const busy = active && live.contains(active) && active.matches('input, select, textarea');
    if (busy) { setTimeout(refresh, every); return; }
    try {
      const res = await fetch(live.dataset.src, { credentials: 'same-origin', headers: { accept: 'text/html' } });
      if (res.ok) {
        const text = await res.text();
        if (text !== live.dataset.last) {
          const y = window.scrollY;
          live.innerHTML = text;
          live.dataset.last = text;
          window.scrollTo(0, y);
        }
      }
    } catch (e) { /* the next round tries again */ }
    setTimeout(refresh, every);
  }
  setTimeout(refresh, every);
})();
`;

export const CONSOLE_CSS = `
:root { font-family: system-ui, sans-serif; color: #1d2330; background: #f6f7f9; }
body { margin: 0 auto; max-width: 1200px; padding: 0 1rem 3rem; }
header { display: flex; justify-content: space-between; align-items: center; }
h1 { font-size: 1.4rem; } h1 a { color: inherit; text-decoration: none; }
h2 { font-size: 1.1rem; margin-top: 2rem; }
section { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: .9rem; }
th, td { text-align: left; padding: .4rem .5rem; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
.error { color: #8a1c1c; white-space: pre-wrap; word-break: break-word; max-width: 40ch; }
.firing { color: #b42318; font-weight: 600; } .muted { color: #667085; }
.sev-critical { color: #b42318; } .sev-warning { color: #b54708; }
tr.bad td:first-child { border-left: 3px solid #b42318; }
a.button, button { display: inline-block; padding: .25rem .6rem; border: 1px solid #98a2b3; border-radius: 4px;
  background: #fff; color: inherit; text-decoration: none; cursor: pointer; font: inherit; }
form.silence, main.login form { display: grid; gap: .8rem; max-width: 40rem; }
form.silence label, main.login label { display: grid; gap: .3rem; }
textarea, input, select { font: inherit; padding: .3rem; }
form.filter { margin: 0 0 .6rem; display: flex; flex-wrap: wrap; gap: .6rem; align-items: end; }
@media (max-width: 700px) { th:nth-child(4), td:nth-child(4) { display: none; } }
`;
