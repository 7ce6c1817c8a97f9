// GraphQL over HTTP (queries and mutations) with the generated typed documents.

import type { TypedDocumentString } from "./generated/graphql";
import { RefreshDocument } from "./generated/graphql";
import { AppError, fromCode, rateLimitedMessage } from "./errors";
import { accessTokenExpiring, setTokens, tokens } from "./session";

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; retryAfterSeconds?: number } }[];
}

async function post(query: string, variables: unknown, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    return await fetch("/graphql", {
      method: "POST",
      headers,
      body: JSON.stringify({ query, variables } satisfies { query: string; variables: unknown }),
    });
  } catch {
    throw new AppError("disconnected", "Cannot reach the store's server. Check your connection and try again.");
  }
}

let refreshing: Promise<boolean> | null = null;

/** Trade the refresh token for new tokens once; false when the session is over. */
export async function refreshSession(): Promise<boolean> {
  const current = tokens();
  if (!current) return false;
  refreshing ??= (async () => {
    try {
      const response = await post(String(RefreshDocument), { input: { refreshToken: current.refreshToken } }, null);
      const body = (await response.json()) as GraphQLResponse<{ refreshToken: { tokens: typeof current | null } }>;
      const next = body.data?.refreshToken.tokens ?? null;
      setTokens(next, next ? "refresh" : "signout");
      return next !== null;
    } catch {
      return false;
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

export async function request<TResult, TVariables>(
  document: TypedDocumentString<TResult, TVariables>,
  variables: TVariables,
): Promise<TResult> {
  const query = String(document);
  if (accessTokenExpiring()) await refreshSession();
  let response = await post(query, variables, tokens()?.accessToken ?? null);
  if (response.status === 401 && (await refreshSession())) {
    response = await post(query, variables, tokens()?.accessToken ?? null);
  }
  if (response.status === 401) setTokens(null);
  if (response.status === 429) {
    const wait = Number(response.headers.get("retry-after"));
    const seconds = Number.isFinite(wait) && wait > 0 ? wait : null;
    throw new AppError("rate_limited", rateLimitedMessage(seconds), seconds);
  }
  let body: GraphQLResponse<TResult>;
  try {
    body = (await response.json()) as GraphQLResponse<TResult>;
  } catch {
    throw new AppError("other", `The server answered ${response.status}. Please try again.`);
  }
  const first = body.errors?.[0];
  if (first) {
    const code = first.extensions?.code ?? "";
    if (code === "UNAUTHENTICATED" && tokens()) setTokens(null);
    throw fromCode(code, first.message, first.extensions?.retryAfterSeconds ?? null);
  }
  if (!body.data) throw new AppError("other", "The server sent no data. Please try again.");
  return body.data;
}
