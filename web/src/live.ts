// WebSocket subscriptions (graphql-transport-ws, the `graphql-ws` client): the assistant's
// stream and live availability.

import { createClient, type Client } from "graphql-ws";
import { FilmAvailabilityDocument, type FilmAvailabilitySubscription } from "./generated/graphql";
import { refreshSession } from "./api";
import { accessTokenExpiring, onSessionChange, tokens } from "./session";

export type ConnectionState = "connecting" | "connected" | "reconnecting" | "closed";
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
    connectionParams: async () => {
      if (accessTokenExpiring()) await refreshSession();
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
      closed: (event) => {
        if (!everConnected || retired) return;
        // graphql-ws retries after a server restart or a dropped network (1001, 1006, 1012…)
        // and gives up after a protocol error; the next question then opens a new socket.
        const code = (event as { code?: number } | null)?.code ?? 1006;
        setState(retriedCloseCode(code) ? "reconnecting" : "closed");
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

/** The close codes after which graphql-ws reconnects by itself (its own rule). */
function retriedCloseCode(code: number): boolean {
  if ([1000, 1001, 1005, 1006, 1012, 1013, 1014].includes(code)) return true;
  return !(code >= 1000 && code <= 1999) && ![4500, 4005, 4400, 4004, 4401, 4406, 4409, 4429].includes(code);
}

let connection = connect();

// A new sign-in needs a new connection_init: start a fresh socket with the new credential.
onSessionChange((change) => {
  if (change === "refresh") return; // the same caller: the next (re)connect sends the new token
  connection.retire();
  connection = connect();
});

export function wsClient(): Client {
  return connection.client;
}

export type StoreStock = FilmAvailabilitySubscription["filmAvailability"]["stores"][number];

/**
 * Live availability (the `filmAvailability` subscription): `onChange` gets the film's stock per
 * store now and after every committed rent, return or inventory change. Returns the disposer.
 */
export function watchAvailability(filmId: number, onChange: (stores: StoreStock[]) => void): () => void {
  return connection.client.subscribe<FilmAvailabilitySubscription>(
    { query: String(FilmAvailabilityDocument), variables: { filmId } },
    {
      next: (result) => {
        const event = result.data?.filmAvailability;
        if (event && !event.deleted) onChange(event.stores);
      },
      error: () => undefined, // the page still shows what it read; a reload reads it again
      complete: () => undefined,
    },
  );
}
