// Apollo Gateway on Apollo Server for make bench-gateways: SUPERGRAPH is the supergraph file,
// PORT the port. Apollo has no in-flight dedupe of client requests, so both modes run the same.
import { readFileSync } from 'node:fs';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway } from '@apollo/gateway';

const gateway = new ApolloGateway({ supergraphSdl: readFileSync(process.env.SUPERGRAPH, 'utf8') });
const server = new ApolloServer({ gateway, csrfPrevention: false });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: Number(process.env.PORT) },
});
console.log(`apollo gateway at ${url}`);
