// Writes a screenshot of the status page: SV_URL, SV_USER, SV_PASS, SHOT (the PNG path).
// Regenerate docs/screenshot.png with:
//   cargo test --test integration -- web::screenshot --ignored
import { launch, env } from './lib.mjs';

const browser = await launch();
try {
  const context = await browser.newContext({
    httpCredentials: { username: env('SV_USER'), password: env('SV_PASS') },
    viewport: { width: 1100, height: 420 },
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  await page.goto(env('SV_URL') + 'index.html?message=Process%20web%20started');
  await page.screenshot({ path: env('SHOT'), fullPage: true });
} finally {
  await browser.close();
}
