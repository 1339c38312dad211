// Hive Gateway configuration for make bench-gateways. BENCH_DEDUP=1 turns on in-flight
// deduplication of identical client requests (and keeps the subgraph-fetch dedupe, on by
// default); BENCH_DEDUP=0 turns both off. BENCH_PLANNER=rust plans with the Rust query
// planner of @graphql-hive/router-runtime.
import { defineConfig } from '@graphql-hive/gateway';

const dedup = process.env.BENCH_DEDUP === '1';
const rust = process.env.BENCH_PLANNER === 'rust';

export const gatewayConfig = defineConfig({
  logging: 'warn',
  inboundInflightRequestDeduplication: dedup,
  transportEntries: {
    '*.http': { options: { deduplicateInflightRequests: dedup } },
  },
  ...(rust ? { unifiedGraphHandler: (await import('@graphql-hive/router-runtime')).unifiedGraphHandler } : {}),
});
