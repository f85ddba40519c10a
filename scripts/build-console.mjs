// Builds the operator console (console/) into console/dist: one ES module bundle of the app with
// Preact, htm and Chart.js, its stylesheet and index.html. Run by `npm install` (prepare) and `npm run build`.
import { copyFile, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', 'console');
const out = join(root, 'dist');
await mkdir(join(out, 'assets'), { recursive: true });
await build({
  entryPoints: [join(root, 'src', 'main.js')],
  outfile: join(out, 'assets', 'app.js'),
  bundle: true,
  format: 'esm',
  minify: true,
  sourcemap: true,
  target: ['chrome120', 'firefox120', 'safari17'],
  legalComments: 'linked',
  logLevel: 'warning',
});
await copyFile(join(root, 'styles.css'), join(out, 'assets', 'app.css'));
await copyFile(join(root, 'index.html'), join(out, 'index.html'));
console.log(`console built into ${out}`);
