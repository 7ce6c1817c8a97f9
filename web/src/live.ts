// WebSocket subscriptions (graphql-transport-ws, the `graphql-ws` client): the assistant's
// stream, and the place for live availability events (issue 16) when the server has them.

import { createClient, type Client } from "graphql-ws";
import { tokens, onSessionChange } from "./session";

export type ConnectionState = "connecting" | "connected" | "reconnecting";
type Listener = (state: ConnectionState) => void;
const listeners = new Set<Listener>();
let state: ConnectionState = "connecting";

function setState(next: ConnectionState): void {
  state = next;
  for (const listener of listeners) listener(next);
}

export function onConnectionState(listener: Listener): void {
  listeners.add(listener);
  listener(state);
}

interface Connection {
  client: Client;
  retire: () => void;
}

function connect(): Connection {
  let retired = false;
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  let everConnected = false;
  const client = createClient({
    url: `${scheme}://${location.host}/graphql`,
    // one socket kept open while the page is: its state is what the page shows
    lazy: false,
    keepAlive: 15_000,
    // the credential travels in connection_init; read at every (re)connect
    connectionParams: () => {
      const access = tokens()?.accessToken;
      return access ? { Authorization: `Bearer ${access}` } : {};
    },
    retryAttempts: Number.POSITIVE_INFINITY,
    shouldRetry: () => true,
    retryWait: async (retries) => {
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** retries, 10_000)));
    },
    on: {
      connecting: () => {
        if (!retired) setState(everConnected ? "reconnecting" : "connecting");
      },
      connected: () => {
        everConnected = true;
        if (!retired) setState("connected");
      },
      closed: () => {
        if (everConnected && !retired) setState("reconnecting");
      },
    },
  });
  return {
    client,
    retire: () => {
      retired = true;
      void client.dispose();
    },
  };
}

let connection = connect();

// A new sign-in needs a new connection_init: start a fresh socket with the new credential.
onSessionChange(() => {
  connection.retire();
  connection = connect();
});

export function wsClient(): Client {
  return connection.client;
}

/**
 * Live availability (issue 16): call `onChange` when a film's copies go out or come back.
 * The server has no `filmAvailability` subscription yet, so this is a no-op hook; the film
 * view re-reads availability after each rent or return instead. When the subscription
 * lands, subscribe here with `wsClient().subscribe(...)` and return its disposer.
 */
export function watchAvailability(_filmId: number, _onChange: () => void): () => void {
  return () => undefined;
}
