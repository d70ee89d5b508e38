import { runCli } from './main';

// The bundled CLI's entry point (dist/node/cli.mjs): run, then exit with the command's code.
const code = await runCli(process.argv.slice(2));
process.exitCode = code;
