// Composes subgraphs with @theguild/federation-composition, the reference our Go composition is
// checked against. Input on stdin: [{name, url, sdl}]; output: the supergraph SDL.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const require = createRequire(join(process.env.COMPOSE_TOOLS, 'package.json'));
const { composeServices } = require('@theguild/federation-composition');
const { parse } = require('graphql');

const subgraphs = JSON.parse(readFileSync(0, 'utf8'));
const result = composeServices(
  subgraphs.map((s) => ({ name: s.name, url: s.url, typeDefs: parse(s.sdl) })),
);
if (result.errors && result.errors.length) {
  for (const e of result.errors) console.error(e.message);
  process.exit(1);
}
process.stdout.write(result.supergraphSdl);
