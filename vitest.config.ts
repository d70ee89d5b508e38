import { defineConfig } from 'vitest/config';

/**
 * Three tiers, all run by `npm test`:
 *  - unit: pure logic, fast, parallel;
 *  - integration: real qemu-img, libguestfs, libvirt, vcsim (fixtures are built and cached);
 *  - e2e: the real UI in Debian's Chromium through the loopback bridge.
 * Integration and e2e files run one at a time (vitest queues the files of every single-worker
 * project in one line): the machines have 2 cores, and a TCG guest or a libguestfs appliance takes
 * one of them. A file whose own work leaves the second core idle uses it itself: the boot files
 * and the repair pipelines run two guests at a time.
 */
const heavy = { testTimeout: 600_000, hookTimeout: 1_800_000, fileParallelism: false } as const;

export default defineConfig({
  test: {
    // One temporary root per run (TMPDIR), removed at the end: see test/support/scratch-root.ts.
    globalSetup: ['./test/support/scratch-root.ts'],
    projects: [
      { test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 } },
      { test: { name: 'integration', include: ['test/integration/**/*.test.ts'], ...heavy } },
      { test: { name: 'e2e', include: ['test/e2e/**/*.test.ts'], ...heavy } },
    ],
  },
});
