import { banner, startPlatform } from './platform.js';

/**
 * `npm start [-- --fresh] [-- --no-seed]`: runs the local platform until Ctrl-C. `--fresh` wipes
 * the data first; `--no-seed` skips the sample catalog. PORT picks the API port (default 3000,
 * 0 for any free one); SMARTSHELF_DATA_DIR moves the data directory.
 */
const fresh = process.argv.includes('--fresh');
const seed = !process.argv.includes('--no-seed');
const port = process.env.PORT === undefined ? 3000 : Number(process.env.PORT);

try {
  const platform = await startPlatform({ port, fresh, seed });
  console.log(banner(platform));
  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping…`);
    platform.stop().then(
      () => {
        console.log('stopped');
        process.exit(0);
      },
      (error: Error) => {
        console.error(`stop failed: ${error.message}`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (error) {
  console.error(`could not start the local platform: ${(error as Error).message}`);
  process.exit(1);
}
