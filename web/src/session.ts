// The signed-in session: tokens kept in localStorage so a reload keeps you signed in.

export interface Tokens {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
}

const KEY = "pagila.session";
/** "refresh": the same sign-in with new tokens; anything else changes who is signed in. */
export type SessionChange = "signin" | "refresh" | "signout";
type Listener = (change: SessionChange) => void;
const listeners = new Set<Listener>();

function load(): Tokens | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as Tokens) : null;
  } catch {
    return null;
  }
}

let current: Tokens | null = load();

export function tokens(): Tokens | null {
  return current;
}

export function setTokens(next: Tokens | null, change: SessionChange = next ? "signin" : "signout"): void {
  current = next;
  if (next) localStorage.setItem(KEY, JSON.stringify(next));
  else localStorage.removeItem(KEY);
  for (const listener of listeners) listener(change);
}

/** Whether the access token expires within `marginSeconds`. */
export function accessTokenExpiring(marginSeconds = 30): boolean {
  if (!current) return false;
  const expires = Date.parse(current.accessTokenExpiresAt);
  return Number.isFinite(expires) && expires - Date.now() < marginSeconds * 1000;
}

export function onSessionChange(listener: Listener): void {
  listeners.add(listener);
}
