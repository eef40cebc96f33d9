// Copies the report fonts from node_modules into static/fonts (not committed), so the app serves them at one
// fixed URL that the page, the worker and the service worker's precache all share.
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const fonts = {
  'DejaVuSans.ttf': 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf',
  'DejaVuSans-Bold.ttf': 'dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf',
  'NotoSansSC-Regular.ttf': '@expo-google-fonts/noto-sans-sc/400Regular/NotoSansSC_400Regular.ttf'
};
mkdirSync('static/fonts', { recursive: true });
for (const [name, spec] of Object.entries(fonts)) copyFileSync(require.resolve(spec), `static/fonts/${name}`);
