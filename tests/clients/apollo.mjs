// Apollo Client with its persisted-queries link (APQ, hashed queries by GET) against a running
// server. Usage: node apollo.mjs URL — prints one JSON object: what each query returned and
// every HTTP exchange (method, whether the query text was sent, status, error codes).
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { ApolloClient, HttpLink, InMemoryCache } from "@apollo/client/core/index.js";
import { createPersistedQueryLink } from "@apollo/client/link/persisted-queries/index.js";
import { Kind, parse, visit } from "graphql";

const url = process.argv[2];
const exchanges = [];

async function recordingFetch(input, init) {
  const response = await fetch(input, init);
  const text = await response.clone().text();
  let codes = [];
  try {
    codes = (JSON.parse(text).errors || []).map((e) => e.extensions && e.extensions.code);
  } catch {
    codes = ["<not JSON>"];
  }
  const target = String(input);
  const sentQuery = init.method === "GET"
    ? new URL(target).searchParams.has("query")
    : JSON.parse(init.body).query !== undefined;
  exchanges.push({ method: init.method || "GET", sentQuery, status: response.status, codes });
  return response;
}

// One document per operation of operations.graphql, with the fragments it uses: the text the
// server registered (`pagila-graph register-operations`) for each.
function documentsOf(source) {
  const document = parse(source);
  const fragments = new Map(
    document.definitions
      .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
      .map((d) => [d.name.value, d]),
  );
  const spreads = (node) => {
    const names = new Set();
    visit(node, { FragmentSpread: (s) => { names.add(s.name.value); } });
    return [...names].sort();
  };
  const result = {};
  for (const op of document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION)) {
    const needed = [];
    const pending = spreads(op);
    while (pending.length) {
      const name = pending.shift();
      if (needed.includes(name)) continue;
      needed.push(name);
      pending.push(...spreads(fragments.get(name)).filter((n) => !needed.includes(n)));
    }
    result[op.name.value] = {
      kind: Kind.DOCUMENT,
      definitions: [op, ...needed.map((n) => fragments.get(n))],
    };
  }
  return result;
}

const registered = documentsOf(readFileSync(new URL("operations.graphql", import.meta.url), "utf8"));
const unregistered = parse("query NotRegistered { film(filmId: 2) { title } }");

const link = createPersistedQueryLink({
  sha256: (text) => createHash("sha256").update(text).digest("hex"),
  useGETForHashedQueries: true,
}).concat(new HttpLink({ uri: url, fetch: recordingFetch }));
const client = new ApolloClient({ link, cache: new InMemoryCache({ addTypename: false }) });

async function run(name, query, variables) {
  const before = exchanges.length;
  try {
    const { data } = await client.query({ query, variables, fetchPolicy: "no-cache" });
    return { name, data, error: null, exchanges: exchanges.slice(before) };
  } catch (error) {
    const codes = (error.graphQLErrors || []).map((e) => e.extensions && e.extensions.code);
    return { name, data: null, error: codes, exchanges: exchanges.slice(before) };
  }
}

const results = [
  await run("FilmTitle", registered.FilmTitle, { filmId: 1 }),
  await run("FilmTitle again", registered.FilmTitle, { filmId: 1 }),
  await run("FirstFilms", registered.FirstFilms, { first: 2 }),
  await run("NotRegistered", unregistered, {}),
];
console.log(JSON.stringify(results));
