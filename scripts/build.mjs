// The production build: each app (apps/<app>/src/main.ts) and the telemetry register bundled into one
// CommonJS file with esbuild, so a deployed process runs plain JavaScript with `node` — no TypeScript
// compiler or loader hooks in it, and no parsed source maps held in its heap unless asked for
// (`node --enable-source-maps`; the maps are written beside the bundles).
//
//   node scripts/build.mjs [--outdir dist]
//   node --import ./dist/register.cjs dist/apps/gateway/main.cjs
//
// Our workspace libraries (@tenantry/*, resolved through tsconfig.base.json's paths) are bundled; npm
// packages stay external and load from node_modules as they do under tsx, so OpenTelemetry's
// instrumentations still patch `http` and `express` when they are required.
import { readdirSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { outdir: { type: 'string', default: 'dist' } } });
const outdir = path.resolve(root, values.outdir);
if (path.relative(root, outdir).startsWith('..')) {
  // Bundles resolve their npm packages from the node_modules above them: they must live in the checkout.
  throw new Error(`--outdir must be inside ${root} (got ${outdir})`);
}

const apps = readdirSync(path.join(root, 'apps')).filter((app) =>
  statSync(path.join(root, 'apps', app, 'src', 'main.ts'), { throwIfNoEntry: false }),
);
const entryPoints = {
  register: path.join(root, 'libs/platform/telemetry/src/register.ts'),
  ...Object.fromEntries(apps.map((app) => [`apps/${app}/main`, path.join(root, 'apps', app, 'src', 'main.ts')])),
};

rmSync(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: root,
  entryPoints,
  outdir,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'cjs',
  packages: 'external',
  tsconfig: path.join(root, 'tsconfig.base.json'),
  sourcemap: 'linked',
  metafile: true,
  logLevel: 'warning',
});
for (const [file, output] of Object.entries(result.metafile.outputs)) {
  if (!file.endsWith('.map')) process.stdout.write(`${file.padEnd(40)} ${(output.bytes / 1024).toFixed(0).padStart(6)} KiB\n`);
}
