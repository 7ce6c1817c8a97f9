// The page: a hash router over the film browser, film detail, account pages and the chat panel.

import "./style.css";
import { h, replace } from "./dom";
import { account, onAccountChange, refreshAccount, renderAccount, renderRegister, renderSignIn, signOut } from "./account";
import { createChat } from "./chat";
import { leaveFilm, renderBrowser, renderFilm } from "./films";
import { errorBox } from "./ui";

const app = document.getElementById("app");
if (!app) throw new Error("#app is missing");

const nav = h("nav", { class: "top-nav", "aria-label": "Main" });
const main = h("main", { id: "main", tabindex: -1 });
const chat = createChat();
const chatToggle = h(
  "button",
  { type: "button", class: "chat-toggle", "aria-controls": "chat", "aria-expanded": "false" },
  "Assistant",
);
chatToggle.addEventListener("click", () => {
  const open = document.body.classList.toggle("chat-open");
  chatToggle.setAttribute("aria-expanded", String(open));
  chatToggle.textContent = open ? "Close assistant" : "Assistant";
  if (open) document.getElementById("chat-question")?.focus();
});

replace(
  app,
  h("a", { href: "#main", class: "skip-link" }, "Skip to content"),
  h("header", { class: "site-header" }, h("a", { href: "#/films", class: "brand" }, "Pagila DVD"), nav, chatToggle),
  h("div", { class: "layout" }, main, chat),
);

function renderNav(): void {
  const me = account();
  replace(
    nav,
    h("a", { href: "#/films" }, "Films"),
    me
      ? [
          h("a", { href: "#/account", id: "nav-account" }, me.customer ? "My rentals" : "My account"),
          h("button", { type: "button", class: "link", id: "sign-out", onclick: () => void signOut() }, "Sign out"),
        ]
      : [h("a", { href: "#/signin", id: "nav-signin" }, "Sign in"), h("a", { href: "#/register" }, "Register")],
  );
}

function route(): void {
  const [path = "", query = ""] = location.hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query);
  const film = /^\/film\/(\d+)$/.exec(path);
  document.title = "Pagila DVD";
  leaveFilm();
  if (film) renderFilm(main, Number(film[1]));
  else if (path === "/signin") renderSignIn(main);
  else if (path === "/register") renderRegister(main);
  else if (path === "/account") renderAccount(main);
  else renderBrowser(main, params);
  for (const link of nav.querySelectorAll("a")) {
    if (link.getAttribute("href") === `#${path}`) link.setAttribute("aria-current", "page");
  }
}

onAccountChange(() => {
  renderNav();
  if (location.hash.startsWith("#/account")) renderAccount(main);
});
window.addEventListener("hashchange", () => {
  if (document.body.classList.contains("chat-open")) chatToggle.click();
  route();
  main.focus({ preventScroll: true });
});
renderNav();
route();
refreshAccount().catch((error: unknown) => main.prepend(errorBox(error)));
