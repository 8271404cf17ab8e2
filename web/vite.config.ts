// Builds Nightjar's browser pages into dist/. `nightjar run` serves dist/ under /ui/ (hence
// `base`) and answers the player routes (/api/hls/<camera>/player, .../vod/player) with
// dist/player.html itself, so every asset URL in a page must be absolute.
//
// A new page is one <name>.html beside this file (its script under src/) plus its name in `pages`.
//
// `npm run dev` serves the pages with live reload and forwards the API to a running server
// (NIGHTJAR_API, default http://127.0.0.1:8080): open http://localhost:5173/api/hls/<cam>/player.
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const pages = ['player'];

const page = (name: string) => fileURLToPath(new URL(`./${name}.html`, import.meta.url));

// In dev, answer the player routes with the player page, as the server does.
const playerRoutes: Plugin = {
  name: 'nightjar-player-routes',
  configureServer(server) {
    server.middlewares.use((req, _res, next) => {
      if (req.url && /^\/api\/hls\/[^/?]+\/(vod\/)?player(\?|$)/.test(req.url)) {
        req.url = '/ui/player.html' + req.url.slice(req.url.indexOf('player') + 'player'.length);
      }
      next();
    });
  },
};

export default defineConfig({
  base: '/ui/',
  plugins: [playerRoutes],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2020',
    rollupOptions: {
      input: Object.fromEntries(pages.map((name) => [name, page(name)])),
    },
  },
  server: {
    proxy: { '/api': process.env.NIGHTJAR_API ?? 'http://127.0.0.1:8080' },
  },
});
