// `node --import ./scripts/ts-register.mjs some/entry.ts` runs TypeScript sources directly.
import { register } from 'node:module';
register('./ts-hooks.mjs', import.meta.url);
