// Copies the browser assets that tsc does not emit (the stylesheet, the icon) next to the compiled
// scripts in dist/browser, where the server loads them from. A node script rather than `cp`, so that
// `npm run build` works on every platform npm does.
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';

const from = new URL('../src/app/browser/', import.meta.url);
const to = new URL('../dist/browser/', import.meta.url);
mkdirSync(to, { recursive: true });
for (const name of readdirSync(from)) {
  if (/\.(css|svg)$/.test(name)) copyFileSync(new URL(name, from), new URL(name, to));
}
