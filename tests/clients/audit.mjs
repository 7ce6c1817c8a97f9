// graphql-http's server audits (the GraphQL-over-HTTP spec) against a running server.
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql — prints one JSON object per audit.
import { serverAudits } from "graphql-http";

const url = process.argv[2];
const results = [];
for (const audit of serverAudits({ url })) {
  const result = await audit.fn();
  results.push({
    id: audit.id,
    name: audit.name,
    status: result.status,
    reason: result.status === "ok" ? null : result.reason,
  });
}
console.log(JSON.stringify(results));
