// dist/launch.cjs, what bin/tsrun runs: the bundle beside it (dist/tsrun.cjs) through the
// running command's code cache in dist/code-cache/ (launch.ts).
import { join } from 'node:path';
import { splitCommand } from '../cli/global-flags';
import { launch } from './launch';

const launched = launch(
  join(__dirname, 'tsrun.cjs'),
  join(__dirname, 'code-cache'),
  splitCommand(process.argv.slice(2)).name,
);
process.on('exit', (code) => launched.finish(code));
