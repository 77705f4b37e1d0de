import { banner, startPlatform, type EnginePorts } from './platform.js';

/**
 * `npm start [-- --fresh] [-- --no-seed]`: runs the local platform until Ctrl-C (a second Ctrl-C
 * stops at once). `--fresh` wipes the data first; `--no-seed` skips the sample catalog. PORT picks
 * the API port (default 3000, 0 for any free one); SMARTSHELF_DATA_DIR moves the data directory;
 * SMARTSHELF_<DYNAMODB|SQS|S3|EVENTS|SFN>_PORT pin the engines, which otherwise take free ports; LOG_LEVEL
 * (DEBUG, INFO, WARN, ERROR, SILENT) sets how much the terminal shows, while full logs go to `<data dir>/logs/`.
 */
const fresh = process.argv.includes('--fresh');
const seed = !process.argv.includes('--no-seed');
const port = process.env.PORT === undefined ? 3000 : Number(process.env.PORT);
const ENGINES: (keyof EnginePorts)[] = ['dynamodb', 'sqs', 's3', 'events', 'sfn'];
const ports: EnginePorts = Object.fromEntries(
  ENGINES.flatMap((name) => {
    const value = process.env[`SMARTSHELF_${name.toUpperCase()}_PORT`];
    return value === undefined ? [] : [[name, Number(value)]];
  }),
);

try {
  const platform = await startPlatform({ port, fresh, seed, ports });
  platform.console.always(banner(platform, platform.console.started()));
  let stopping = false;
  let stoppingAt = 0;
  const shutdown = (signal: string) => {
    // One Ctrl-C reaches this process twice: from the terminal, to the whole foreground group, and relayed by npm and
    // tsx. Only a second press, seconds later, means "stop now".
    if (stopping && Date.now() - stoppingAt < 2000) return;
    if (stopping) {
      // DynamoDB Local's JVM is killed by its engine's exit hook, so nothing is left behind.
      console.log(`${signal} again: stopping now, without saving queued messages`);
      process.exit(130);
    }
    stopping = true;
    stoppingAt = Date.now();
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
