// The signed-in session: tokens kept in localStorage so a reload keeps you signed in.

export interface Tokens {
  accessToken: string;
  accessTokenExpiresAt: string;
  refreshToken: string;
}

const KEY = "pagila.session";
type Listener = () => void;
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

export function setTokens(next: Tokens | null): void {
  current = next;
  if (next) localStorage.setItem(KEY, JSON.stringify(next));
  else localStorage.removeItem(KEY);
  for (const listener of listeners) listener();
}

export function onSessionChange(listener: Listener): void {
  listeners.add(listener);
}
