/** The pages' stylesheet: one dark theme, no external assets. */
export const STYLE = `
:root { color-scheme: dark; --bg: #0f1115; --card: #181b22; --line: #262b36; --muted: #9aa3b2; --accent: #6cb4ff;
  --warn: #f5b94a; --bad: #ff8a8a; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  background: var(--bg); color: #e8ebf1; }
body { margin: 0; }
a { color: var(--accent); }
header.top { display: flex; flex-wrap: wrap; gap: .75rem 1.5rem; align-items: center; justify-content: space-between;
  padding: .9rem 1.5rem; border-bottom: 1px solid var(--line); position: sticky; top: 0; z-index: 2;
  background: rgba(15, 17, 21, .92); backdrop-filter: blur(6px); }
.brand { font-weight: 700; font-size: 1.2rem; color: #fff; text-decoration: none; letter-spacing: .01em; }
.brand b { color: var(--accent); }
main { padding: 1rem 1.5rem 3rem; max-width: 96rem; margin: 0 auto; }
form.tools { display: flex; gap: .5rem; flex-wrap: wrap; }
input, select, button, .button { background: #1d212a; color: inherit; border: 1px solid #2f3544; border-radius: .5rem;
  padding: .45rem .75rem; font: inherit; text-decoration: none; cursor: pointer; }
input[type=search] { min-width: 14rem; cursor: text; }
button:hover, .button:hover { border-color: var(--accent); }
.status, .empty, .count { color: var(--muted); }
nav.folders { display: flex; flex-wrap: wrap; gap: .4rem; margin: .25rem 0 .5rem; }
nav.folders a { background: #1d212a; color: #cdd3de; padding: .2rem .7rem; border-radius: 999px; font-size: .85rem; text-decoration: none; }
section.folder h2 { font-size: 1rem; color: var(--muted); font-weight: 600; margin: 1.6rem 0 .75rem; }
ul.grid { list-style: none; margin: 0; padding: 0; display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 1.1rem; }
.card > a { display: block; color: inherit; text-decoration: none; background: var(--card); border-radius: .75rem;
  overflow: hidden; transition: transform .12s ease, box-shadow .12s ease; }
.card > a:hover, .card > a:focus-visible { transform: translateY(-2px); box-shadow: 0 0 0 2px var(--accent); outline: none; }
.thumb { position: relative; aspect-ratio: 16 / 9; background: linear-gradient(135deg, #1d2334, #0b0d12); }
.thumb img, .thumb video { position: absolute; inset: 0; width: 100%; height: 100%; object-fit: cover; display: block; }
.thumb .icon { position: absolute; inset: 0; display: grid; place-items: center; font-size: 2.4rem; color: #4b5570; }
.thumb .duration { position: absolute; right: .45rem; bottom: .45rem; background: rgba(0, 0, 0, .78); padding: .05rem .4rem;
  border-radius: .3rem; font-size: .8rem; font-variant-numeric: tabular-nums; }
.meta { padding: .6rem .8rem .8rem; }
.title { display: block; font-weight: 600; overflow-wrap: anywhere; }
.facts { display: block; color: var(--muted); font-size: .84rem; margin-top: .2rem; }
.badge { display: inline-block; font-size: .72rem; padding: .1rem .5rem; border-radius: 999px; margin: .4rem .3rem 0 0;
  background: #3a2f12; color: var(--warn); }
.badge.bad { background: #3a1818; color: var(--bad); }
.crumbs { color: var(--muted); font-size: .9rem; }
.crumbs a { color: var(--muted); }
h1 { font-size: 1.45rem; margin: .35rem 0 1rem; overflow-wrap: anywhere; }
.stage video, .stage audio { width: 100%; max-height: 76vh; background: #000; border-radius: .75rem; display: block; }
.stage audio { background: none; }
.bar { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .8rem 0; }
.bar .spacer { flex: 1; }
.notice { background: #1b2333; border: 1px solid #2d3b58; padding: .75rem 1rem; border-radius: .6rem; margin: .8rem 0; }
.notice.bad { background: #2a1717; border-color: #5c2b2b; }
.notice button { margin-left: .5rem; }
dl.details { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1.2rem; color: var(--muted); margin: 1.2rem 0; }
dl.details dt { color: #cdd3de; }
.keys { color: var(--muted); font-size: .85rem; line-height: 1.9; }
kbd { background: #1d212a; border: 1px solid #2f3544; border-radius: .3rem; padding: 0 .35rem; font: inherit; font-size: .8rem; }
[hidden] { display: none !important; }
`;
