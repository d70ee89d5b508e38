// Loaded with `node --import` into a bridge process by hardening.test.ts: SIGUSR2 makes the
// process throw an error nobody catches, the way a bug would, so the test can see what a crash
// leaves behind. Nothing in the product listens to SIGUSR2.
process.on('SIGUSR2', () => {
  setImmediate(() => {
    throw new Error('injected by the test: an error nobody caught');
  });
});
