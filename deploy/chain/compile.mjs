// Compile deploy/chain/contracts/*.sol with the pinned solc (npm `solc`, the compiler as
// JavaScript) into <out>/<Contract>.json holding `abi` and `bytecode`.
//   node compile.mjs <node_modules dir> <out dir>
import { createRequire } from "node:module";
import { readdirSync, readFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const [modules, out] = process.argv.slice(2);
const require = createRequire(join(modules, "x.js"));
const solc = require("solc");
const here = join(dirname(fileURLToPath(import.meta.url)), "contracts");
const sources = {};
for (const name of readdirSync(here).filter((f) => f.endsWith(".sol")).sort()) {
  sources[name] = { content: readFileSync(join(here, name), "utf8") };
}
const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "london",
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
mkdirSync(out, { recursive: true });
for (const [file, contracts] of Object.entries(output.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    const artifact = { contractName: name, sourceName: file, compiler: solc.version(), abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
    writeFileSync(join(out, `${name}.json`), JSON.stringify(artifact, null, 1) + "\n");
  }
}
console.log(`compiled ${Object.keys(sources).length} sources with solc ${solc.version()} into ${out}`);
