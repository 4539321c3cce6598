import { defineConfig } from "vitest/config";
import solid from "vite-plugin-solid";

// Tauri loads the built files from ui/dist (frontendDist); everything is bundled, nothing is
// fetched from the network, so the app runs under a strict CSP.
export default defineConfig({
  plugins: [solid()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    outDir: "dist",
    target: "es2022",
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  test: {
    environment: "node",
    // The recorded sessions read typed dates against a clock in UTC; the UI shows them in the
    // machine's zone, so the tests run in that zone too.
    env: { TZ: "UTC" },
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
  },
});
