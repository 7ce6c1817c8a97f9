"""The GraphQL schema. Thin: it parses input, calls one domain service, maps results and errors."""
