import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

// The build is embedded in the ferry binary (src/service/embed_console.cmake):
// one script and one stylesheet, no inline script (the server's CSP forbids it).
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    reportCompressedSize: true,
    target: "es2022",
  },
  server: {
    proxy: { "/api": "http://127.0.0.1:8080" },
  },
});
