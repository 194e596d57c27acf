#!/usr/bin/env node
// The `ndis-lab` command. Runs the TypeScript sources through tsx, so `npx ndis-lab …` in a
// checkout always runs the code that is checked out, with no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
