// Builds the editor page into a folder the edge serves from its classpath (the Maven build passes
// edge/target/classes/quire/web): npm ci first when node_modules is missing or older than package-lock.json, then
// esbuild bundles src/main.js and src/style.css under content-hashed names, writes index.html pointing at them and
// files.txt listing everything (the edge loads exactly those files). Usage: node build.mjs OUT_DIR
import {spawnSync} from 'node:child_process';
import {existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs';
import {dirname, join, relative, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const out = resolve(process.argv[2] || join(here, 'dist'));

function ensureDependencies() {
  const marker = join(here, 'node_modules', '.package-lock.json');
  const lock = join(here, 'package-lock.json');
  if (existsSync(marker) && statSync(marker).mtimeMs >= statSync(lock).mtimeMs) return;
  console.log('web: npm ci (pinned by package-lock.json)');
  const npm = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], {cwd: here, stdio: 'inherit',
    shell: process.platform === 'win32'});
  if (npm.status !== 0) throw new Error('npm ci failed with exit code ' + npm.status);
}

ensureDependencies();
const esbuild = await import('esbuild');
rmSync(out, {recursive: true, force: true});
mkdirSync(out, {recursive: true});
const result = await esbuild.build({
  absWorkingDir: here,
  entryPoints: ['src/main.js', 'src/style.css'],
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2020'],
  minify: true,
  sourcemap: 'linked',
  sourcesContent: false,
  legalComments: 'linked',
  outdir: out,
  entryNames: 'assets/[name]-[hash]',
  metafile: true,
  logLevel: 'warning',
});
const outputs = Object.keys(result.metafile.outputs).map((file) => relative(out, resolve(here, file)));
const entry = (suffix) => outputs.find((file) => file.endsWith(suffix) && file.startsWith('assets/main-') ||
  file.endsWith(suffix) && file.startsWith('assets/style-'));
const html = readFileSync(join(here, 'index.html'), 'utf8')
  .replace('%JS%', entry('.js'))
  .replace('%CSS%', entry('.css'));
writeFileSync(join(out, 'index.html'), html);
const files = ['index.html', ...outputs].sort();
writeFileSync(join(out, 'files.txt'), files.join('\n') + '\n');
const bytes = files.reduce((sum, file) => sum + statSync(join(out, file)).size, 0);
console.log(`web: ${files.length} files, ${Math.round(bytes / 1024)} KiB in ${out}`);
