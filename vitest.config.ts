import { defineConfig } from 'vitest/config';

/**
 * Three tiers of tests, all run by `npm test`:
 *  - unit (test/unit): pure logic, fast, parallel;
 *  - integration (test/integration): real qemu-img, libguestfs, libvirt, vcsim (fixtures are built
 *    and cached);
 *  - e2e (test/e2e): the real UI in Debian's Chromium through the loopback bridge.
 *
 * The machines have 2 cores, and a TCG guest or a libguestfs appliance takes one of them, so the
 * integration and e2e files run in two lanes, one file at a time in each, balanced so that both
 * cores stay busy to the end (one lane for everything left the second core idle for half the run):
 *  - system: the files that boot guests or use what the machine has once (libvirtd's system
 *    connection, dbus and polkitd, dpkg, the command on PATH);
 *  - standalone: the e2e files and the integration files that need only processes of their own
 *    (an appliance, a simulator, qemu-img).
 * Boots stay in one lane: two TCG boots beside an appliance slow a guest enough to trip its
 * device timeouts. The lanes share fixtures through the fixture cache's locks, and the daemons
 * a test starts live until the end of the run (test/support/libvirtd.ts).
 */
const SYSTEM_LANE = [
  'test/integration/boot/**/*.test.ts',
  'test/integration/repair/linux-repair.test.ts',
  'test/integration/repair/windows-repair.test.ts',
  'test/integration/libvirt/**/*.test.ts',
  'test/integration/cli-libvirt/**/*.test.ts',
  'test/integration/helper/**/*.test.ts',
  'test/integration/package/**/*.test.ts',
  'test/integration/batch/**/*.test.ts',
  'test/integration/contract/**/*.test.ts',
  'test/integration/electron/**/*.test.ts',
];

const heavy = { testTimeout: 600_000, hookTimeout: 1_800_000, fileParallelism: false } as const;

export default defineConfig({
  test: {
    // One temporary root per run (TMPDIR), removed at the end: see test/support/scratch-root.ts.
    globalSetup: ['./test/support/scratch-root.ts'],
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'system',
          include: SYSTEM_LANE,
          ...heavy,
        },
      },
      {
        test: {
          name: 'standalone',
          include: ['test/e2e/**/*.test.ts', 'test/integration/**/*.test.ts'],
          exclude: SYSTEM_LANE,
          ...heavy,
        },
      },
    ],
  },
});
