// Copy the minified browser builds of the npm dependencies into api/static/vendor/.
//
// The copies are committed, so running the app never needs npm, a build step or a CDN.
// Run after changing package.json:  npm ci && npm run vendor
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "api", "static", "vendor");
// Order matters: d3-force's UMD build expects the other d3 modules on the global `d3`.
const files = [
  ["d3-dispatch", "dist/d3-dispatch.min.js"],
  ["d3-quadtree", "dist/d3-quadtree.min.js"],
  ["d3-timer", "dist/d3-timer.min.js"],
  ["d3-force", "dist/d3-force.min.js"],
  ["chart.js", "dist/chart.umd.min.js"],
  // Swagger UI for /docs (api/docs.py), instead of FastAPI's default CDN copy.
  ["swagger-ui-dist", "swagger-ui-bundle.js"],
  ["swagger-ui-dist", "swagger-ui.css"],
  // Apache-2.0 asks for its NOTICE to travel with the copy
  ["swagger-ui-dist", "NOTICE", "swagger-ui-dist.NOTICE"],
];
mkdirSync(out, { recursive: true });
const lines = ["Vendored by `npm run vendor` (scripts/vendor-js.mjs); do not edit by hand.", ""];
for (const [pkg, rel, as] of files) {
  const dir = join(root, "node_modules", pkg);
  const { version, license } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
  const name = as || rel.split("/").pop();
  copyFileSync(join(dir, rel), join(out, name));
  lines.push(`${name}  ${pkg}@${version}  (${license})`);
}
writeFileSync(join(out, "VERSIONS.txt"), lines.join("\n") + "\n");
console.log(lines.join("\n"));
