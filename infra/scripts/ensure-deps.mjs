#!/usr/bin/env node
/**
 * Makes sure what `npm start` and `npm test` need is present, using plain Node only (it runs
 * before dependencies exist): installs node_modules with `npm ci` when missing, and checks for a
 * Java 17+ runtime for DynamoDB Local, installing OpenJDK 17 through apt when running as root.
 * Anything it cannot fix ends the run with exit code 1 and a single line saying what to install.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const MIN_JAVA = 17;

function run(command, args) {
  return spawnSync(command, args, { cwd: root, stdio: 'inherit' }).status === 0;
}

function fail(message) {
  console.error(message);
  process.exit(1);
}

/** The major version `java -version` reports (`17.0.2`, or `1.8.0` for Java 8), or undefined. */
function javaMajor() {
  const result = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${result.stderr}${result.stdout}`);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

function hasCommand(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

if (!existsSync(join(root, 'node_modules'))) {
  console.log('node_modules is missing: running npm ci');
  if (!run('npm', ['ci'])) fail('npm ci failed: fix the error above, then run npm ci yourself.');
}

const major = javaMajor();
if (major === undefined || major < MIN_JAVA) {
  const found = major === undefined ? 'no java on PATH' : `java ${major}`;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && hasCommand('apt-get')) {
    console.log(`${found}; installing openjdk-17-jre-headless for DynamoDB Local`);
    const installed =
      run('apt-get', ['update']) && run('apt-get', ['install', '-y', '--no-install-recommends', 'openjdk-17-jre-headless']);
    const after = javaMajor();
    if (!installed || after === undefined || after < MIN_JAVA) {
      fail('Installing Java failed: install a Java 17+ runtime (e.g. openjdk-17-jre-headless) and re-run.');
    }
  } else {
    fail(`DynamoDB Local needs Java ${MIN_JAVA}+ (found ${found}): install a Java ${MIN_JAVA}+ runtime, e.g. openjdk-17-jre-headless.`);
  }
}
