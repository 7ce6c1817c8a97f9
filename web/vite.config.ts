import { defineConfig } from "vite";

// The build goes into the Python package, which serves it at / (docs/web.md).
export default defineConfig({
  base: "/",
  build: {
    outDir: "../pagila_graph/static/app",
    emptyOutDir: true,
    target: "es2022",
    // stable names keep the committed build's diffs readable
    rollupOptions: {
      output: {
        entryFileNames: "assets/app.js",
        chunkFileNames: "assets/[name].js",
        assetFileNames: "assets/[name][extname]",
      },
    },
  },
  server: {
    // `npm run dev`: the page on Vite, the API on `pagila-graph serve`
    proxy: { "/graphql": { target: "http://127.0.0.1:8000", ws: true } },
  },
});
