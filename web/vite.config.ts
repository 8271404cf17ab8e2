// Builds Nightjar's browser pages into dist/. `nightjar run` serves dist/ under /ui/ (hence
// `base`), answers `/` and every path matching no API route (the app's client-side routes) with
// dist/index.html, and the player routes (/api/hls/<camera>/player, .../vod/player) with
// dist/player.html, so every asset URL in a page must be absolute.
//
// Pages: index.html (the app, src/app/main.tsx) and player.html (src/player.ts).
// hls.js is its own chunk (`hls-*.js`), loaded only when a stream needs it; scripts/check-bundle.mjs
// holds the rest to a gzip budget after every build.
//
// `npm run dev` serves the pages with live reload and forwards the API to a running server
// (NIGHTJAR_API, default http://127.0.0.1:8080): open http://localhost:5173/ or
// http://localhost:5173/api/hls/<cam>/player.
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const pages = ['index', 'player'];

const page = (name: string) => fileURLToPath(new URL(`./${name}.html`, import.meta.url));

// In dev, answer the player routes with the player page and the app's routes with the app, as
// the server does.
const serverRoutes: Plugin = {
  name: 'nightjar-routes',
  configureServer(server) {
    server.middlewares.use((req, _res, next) => {
      if (req.url && /^\/api\/hls\/[^/?]+\/(vod\/)?player(\?|$)/.test(req.url)) {
        req.url = '/ui/player.html' + req.url.slice(req.url.indexOf('player') + 'player'.length);
      } else if (req.url && /^\/(live|cameras|export|settings|system)?(\/[^.]*)?(\?.*)?$/.test(req.url)) {
        req.url = '/ui/index.html';
      }
      next();
    });
  },
};

export default defineConfig({
  base: '/ui/',
  plugins: [serverRoutes],
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    // The polyfill would be an inline script, which the Content-Security-Policy refuses.
    modulePreload: { polyfill: false },
    rollupOptions: {
      input: Object.fromEntries(pages.map((name) => [name, page(name)])),
      output: {
        manualChunks: (id) => (id.includes('node_modules/hls.js') ? 'hls' : undefined),
      },
    },
  },
  server: {
    proxy: { '/api': { target: process.env.NIGHTJAR_API ?? 'http://127.0.0.1:8080', ws: true } },
  },
});
