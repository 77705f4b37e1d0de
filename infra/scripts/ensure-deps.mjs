#!/usr/bin/env node
/**
 * Makes sure what `npm start` and `npm test` need is present, using plain Node only (it runs
 * before dependencies exist, on whatever Node the machine has): installs node_modules with
 * `npm ci` when they are missing or predate the project's Node (the `node` package, which puts
 * Node 24, Lambda's runtime, first on the PATH of every npm script), and checks for a Java 17+
 * runtime for DynamoDB Local, installing OpenJDK 17 through apt when running as root. With `--browser` (`npm test`,
 * whose browser tests drive the staff console) it checks for Chromium too, installing Debian's `chromium` through apt
 * when running as root; no browser is ever downloaded from anywhere else.
 * Anything it cannot fix ends the run with exit code 1 and a single line saying what to install.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
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

/** Where the browser tests find Chromium: `CHROMIUM_PATH` when set, else Debian's and Ubuntu's usual paths. */
function chromiumPath() {
  const candidates = process.env.CHROMIUM_PATH ? [process.env.CHROMIUM_PATH] : ['/usr/bin/chromium', '/usr/bin/chromium-browser'];
  return candidates.find((path) => existsSync(path));
}

function hasCommand(command) {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

/** The Node major the project runs on: the one its `node` dependency pins. */
function wantedNodeMajor() {
  const range = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies.node;
  return Number(/\d+/.exec(range)[0]);
}

/** The major version of the Node that npm scripts run (node_modules/.bin/node), or undefined. */
function projectNodeMajor() {
  const result = spawnSync(join(root, 'node_modules', '.bin', 'node'), ['--version'], { encoding: 'utf8' });
  if (result.error || result.status !== 0) return undefined;
  return Number(/^v(\d+)/.exec(result.stdout)?.[1]);
}

if (!existsSync(join(root, 'node_modules'))) {
  console.log('node_modules is missing: running npm ci');
  if (!run('npm', ['ci'])) fail('npm ci failed: fix the error above, then run npm ci yourself.');
} else if (projectNodeMajor() !== wantedNodeMajor()) {
  console.log(`node_modules predates Node ${wantedNodeMajor()}: running npm ci`);
  if (!run('npm', ['ci'])) fail('npm ci failed: fix the error above, then run npm ci yourself.');
}
if (projectNodeMajor() !== wantedNodeMajor()) {
  fail(`npm ci did not install Node ${wantedNodeMajor()} (the node package): check that npm may run its install script (allowScripts in package.json).`);
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

if (process.argv.includes('--browser') && chromiumPath() === undefined) {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const wanted = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
  if (isRoot && hasCommand('apt-get')) {
    console.log(`no Chromium at ${wanted}; installing Debian's chromium for the browser tests`);
    const installed = run('apt-get', ['update']) && run('apt-get', ['install', '-y', '--no-install-recommends', 'chromium']);
    if (!installed || chromiumPath() === undefined) fail(`Installing Chromium failed: install Debian's chromium package (or set CHROMIUM_PATH to a Chromium) and re-run.`);
  } else {
    fail(`The browser tests need Chromium (none at ${wanted}): install Debian's chromium package, or set CHROMIUM_PATH to a Chromium.`);
  }
}
