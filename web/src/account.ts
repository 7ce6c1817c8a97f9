// Sign in, register, sign out; the signed-in customer's rentals and balance.

import { h, replace } from "./dom";
import { request } from "./api";
import {
  LoginDocument,
  LogoutDocument,
  MeDocument,
  RegisterDocument,
  ReturnRentalDocument,
  type MeQuery,
} from "./generated/graphql";
import { AppError, asAppError, fromUserErrors } from "./errors";
import { setTokens, tokens, type Tokens } from "./session";
import { clearFieldErrors, date, errorBox, field, money, showFieldErrors } from "./ui";

export type Account = MeQuery["me"];
let current: Account | null = null;
const listeners = new Set<() => void>();

export function account(): Account | null {
  return current;
}

export function onAccountChange(listener: () => void): void {
  listeners.add(listener);
}

function setAccount(next: Account | null): void {
  current = next;
  for (const listener of listeners) listener();
}

export async function refreshAccount(): Promise<void> {
  if (!tokens()) {
    setAccount(null);
    return;
  }
  try {
    setAccount((await request(MeDocument, {})).me);
  } catch (error) {
    if (asAppError(error).kind === "unauthenticated") setAccount(null);
    else throw error;
  }
}

async function signedIn(next: Tokens | null | undefined): Promise<void> {
  if (!next) throw new AppError("other", "The server did not start a session. Please try again.");
  setTokens(next);
  await refreshAccount();
  location.hash = "#/account";
}

export async function signOut(): Promise<void> {
  const session = tokens();
  if (session) {
    try {
      await request(LogoutDocument, { input: { refreshToken: session.refreshToken } });
    } catch {
      // signing out locally is what matters to the person
    }
  }
  setTokens(null);
  setAccount(null);
  location.hash = "#/films";
}

function formHandler(
  form: HTMLFormElement,
  status: HTMLElement,
  submit: () => Promise<void>,
): (event: Event) => void {
  return (event) => {
    event.preventDefault();
    const button = form.querySelector<HTMLButtonElement>("button[type=submit]");
    if (button) button.disabled = true;
    clearFieldErrors(form);
    status.replaceChildren();
    void submit()
      .catch((error: unknown) => {
        const appError = asAppError(error);
        const placed = showFieldErrors(form, appError);
        if (!placed || appError.fieldErrors.length < 1) status.replaceChildren(errorBox(appError));
        else status.replaceChildren(h("p", { class: "notice notice-error", role: "alert" }, appError.message));
      })
      .finally(() => {
        if (button) button.disabled = false;
      });
  };
}

export function renderSignIn(root: HTMLElement): void {
  const status = h("div", { id: "form-status" });
  const form = h(
    "form",
    { class: "card narrow", "aria-labelledby": "signin-heading", novalidate: true },
    h("h1", { id: "signin-heading" }, "Sign in"),
    field("E-mail", "signin-email", "input.email", { type: "email", autocomplete: "username", required: true }),
    field("Password", "signin-password", "input.password", {
      type: "password",
      autocomplete: "current-password",
      required: true,
    }),
    status,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
    h("p", {}, "New here? ", h("a", { href: "#/register" }, "Create an account")),
  );
  const value = (id: string): string => (form.querySelector<HTMLInputElement>(`#${id}`)?.value ?? "").trim();
  form.addEventListener(
    "submit",
    formHandler(form, status, async () => {
      const { login } = await request(LoginDocument, {
        input: { email: value("signin-email"), password: form.querySelector<HTMLInputElement>("#signin-password")?.value ?? "" },
      });
      if (login.errors.length) throw fromUserErrors(login.errors);
      await signedIn(login.tokens);
    }),
  );
  replace(root, form);
  form.querySelector<HTMLInputElement>("#signin-email")?.focus();
}

export function renderRegister(root: HTMLElement): void {
  const status = h("div", { id: "form-status" });
  const form = h(
    "form",
    { class: "card narrow", "aria-labelledby": "register-heading", novalidate: true },
    h("h1", { id: "register-heading" }, "Create an account"),
    h(
      "fieldset",
      {},
      h("legend", {}, "You"),
      field("First name", "reg-first", "input.firstName", { autocomplete: "given-name", required: true }),
      field("Last name", "reg-last", "input.lastName", { autocomplete: "family-name", required: true }),
      field("E-mail", "reg-email", "input.email", { type: "email", autocomplete: "email", required: true }),
      field("Password (at least 12 characters)", "reg-password", "input.password", {
        type: "password",
        autocomplete: "new-password",
        required: true,
      }),
    ),
    h(
      "fieldset",
      {},
      h("legend", {}, "Your address"),
      field("Street and number", "reg-address", "input.address.address", { autocomplete: "address-line1", required: true }),
      field("District / state", "reg-district", "input.address.district", { required: true }),
      field("City", "reg-city", "input.address.city", { autocomplete: "address-level2", required: true }),
      field("Country", "reg-country", "input.address.country", { autocomplete: "country-name", required: true }),
      field("Phone", "reg-phone", "input.address.phone", { type: "tel", autocomplete: "tel", required: true }),
      field("Postal code", "reg-postal", "input.address.postalCode", { autocomplete: "postal-code" }),
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: "reg-store" }, "Your store"),
      h(
        "select",
        { id: "reg-store", "data-field": "input.storeId" },
        h("option", { value: "1" }, "Store 1"),
        h("option", { value: "2" }, "Store 2"),
      ),
    ),
    status,
    h("button", { type: "submit", class: "primary" }, "Create account"),
  );
  const value = (id: string): string => (form.querySelector<HTMLInputElement>(`#${id}`)?.value ?? "").trim();
  form.addEventListener(
    "submit",
    formHandler(form, status, async () => {
      const postalCode = value("reg-postal");
      const { register } = await request(RegisterDocument, {
        input: {
          email: value("reg-email"),
          password: form.querySelector<HTMLInputElement>("#reg-password")?.value ?? "",
          firstName: value("reg-first"),
          lastName: value("reg-last"),
          storeId: Number(form.querySelector<HTMLSelectElement>("#reg-store")?.value ?? "1"),
          address: {
            address: value("reg-address"),
            district: value("reg-district"),
            city: value("reg-city"),
            country: value("reg-country"),
            phone: value("reg-phone"),
            postalCode: postalCode || null,
          },
        },
      });
      if (register.errors.length) throw fromUserErrors(register.errors);
      await signedIn(register.tokens);
    }),
  );
  replace(root, form);
}

export function renderAccount(root: HTMLElement): void {
  const me = account();
  if (!me) {
    replace(root, h("h1", {}, "My rentals"), h("p", {}, h("a", { href: "#/signin" }, "Sign in"), " to see your rentals."));
    return;
  }
  const customer = me.customer;
  if (!customer) {
    replace(
      root,
      h("h1", {}, "My account"),
      h("p", {}, `Signed in as ${me.email} (${me.role.toLowerCase()}). This page is for customers' rentals.`),
    );
    return;
  }
  const status = h("div", { id: "rental-status", role: "status" });
  const giveBack = async (button: HTMLButtonElement, rentalId: number): Promise<void> => {
    button.disabled = true;
    try {
      const { returnRental } = await request(ReturnRentalDocument, { input: { rentalId } });
      if (returnRental.errors.length) throw fromUserErrors(returnRental.errors);
      await refreshAccount();
      renderAccount(root);
      document
        .getElementById("rental-status")
        ?.replaceChildren(
          `Returned “${returnRental.rental?.film.title ?? ""}”. Charge ${money(returnRental.charge)}, due now ${money(returnRental.amountDue)}.`,
        );
    } catch (error) {
      status.replaceChildren(errorBox(error));
      button.disabled = false;
    }
  };
  const rentals = customer.rentals.nodes;
  replace(
    root,
    h("h1", {}, `${customer.firstName} ${customer.lastName}`.toLowerCase().replace(/\b\w/g, (c) => c.toUpperCase())),
    h(
      "p",
      { class: "balance" },
      "Balance: ",
      h("strong", { id: "balance", "data-amount": customer.balance }, money(customer.balance)),
      Number(customer.balance) > 0 ? " owed" : Number(customer.balance) < 0 ? " in credit" : "",
    ),
    status,
    h("h2", {}, "Recent rentals"),
    rentals.length
      ? h(
          "table",
          { class: "rentals", id: "rentals" },
          h(
            "thead",
            {},
            h("tr", {}, h("th", { scope: "col" }, "Film"), h("th", { scope: "col" }, "Rented"), h("th", { scope: "col" }, "Due / returned"), h("th", { scope: "col" }, "")),
          ),
          h(
            "tbody",
            {},
            rentals.map((r) =>
              h(
                "tr",
                { "data-rental-id": r.rentalId },
                h("td", {}, h("a", { href: `#/film/${r.film.filmId}` }, r.film.title)),
                h("td", {}, date(r.rentalDate)),
                h(
                  "td",
                  {},
                  r.returnDate ? `returned ${date(r.returnDate)}` : [`due ${date(r.dueDate)}`, r.isOverdue ? h("span", { class: "badge badge-out" }, "overdue") : null],
                ),
                h(
                  "td",
                  {},
                  r.returnDate
                    ? ""
                    : h(
                        "button",
                        {
                          type: "button",
                          "data-return": r.rentalId,
                          onclick: (event: Event) => void giveBack(event.currentTarget as HTMLButtonElement, r.rentalId),
                        },
                        `Return “${r.film.title}”`,
                      ),
                ),
              ),
            ),
          ),
        )
      : h("p", {}, "No rentals yet. ", h("a", { href: "#/films" }, "Find a film")),
  );
}
