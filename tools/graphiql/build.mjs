// Development-time only: copies GraphiQL, its explorer plugin and React from node_modules
// (installed by `npm ci` from package-lock.json) into pagila_graph/static/graphiql/, minifying
// GraphiQL's UMD bundle (its published "min" file is not minified), with each package's license.
// The server then serves these files itself: no CDN at run time. Run: npm ci && npm run build
import { readFile, writeFile, mkdir, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { transform } from "esbuild";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "..", "pagila_graph", "static", "graphiql", "vendor");
const require = createRequire(import.meta.url);
const pkgDir = (name) => dirname(require.resolve(`${name}/package.json`));
const version = (name) => require(`${name}/package.json`).version;

// [package, file inside it, name served, minify?]
const files = [
  ["react", "umd/react.production.min.js", "react.production.min.js", false],
  ["react-dom", "umd/react-dom.production.min.js", "react-dom.production.min.js", false],
  ["graphiql", "graphiql.min.js", "graphiql.min.js", true],
  ["graphiql", "graphiql.min.css", "graphiql.min.css", true],
  ["@graphiql/plugin-explorer", "dist/index.umd.js", "plugin-explorer.umd.js", true],
  ["@graphiql/plugin-explorer", "dist/style.css", "plugin-explorer.css", true],
];

// The explorer plugin's package ships no LICENSE file; it is MIT (its package.json) and lives
// in the same monorepo as graphiql, whose LICENSE covers it.
const licenseOf = { "@graphiql/plugin-explorer": "graphiql" };

await rm(out, { recursive: true, force: true });
await mkdir(out, { recursive: true });
for (const [pkg, file, served, minify] of files) {
  let text = await readFile(join(pkgDir(pkg), file), "utf8");
  if (minify) {
    const loader = file.endsWith(".css") ? "css" : "js";
    text = (await transform(text, { loader, minify: true, legalComments: "inline" })).code;
  }
  await writeFile(join(out, served), text);
}
const packages = [...new Set(files.map(([pkg]) => pkg))];
let notice = "# Third-party files in this folder\n\nCopied from the npm registry by " +
  "tools/graphiql/build.mjs (versions pinned in tools/graphiql/package-lock.json).\n\n";
for (const pkg of packages) {
  const meta = require(`${pkg}/package.json`);
  const licenseText = await readFile(join(pkgDir(licenseOf[pkg] ?? pkg), "LICENSE"), "utf8");
  notice += `## ${pkg} ${version(pkg)} (${meta.license})\n\n\`\`\`\n${licenseText.trim()}\n\`\`\`\n\n`;
}
await writeFile(join(out, "LICENSES.md"), notice);
console.log(`wrote ${files.length} files and LICENSES.md to ${out}`);
