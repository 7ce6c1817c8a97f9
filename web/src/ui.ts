// Shared pieces: the notice area, field errors, money and ratings.

import { h, replace } from "./dom";
import { AppError, asAppError } from "./errors";

const RATING_LABELS: Record<string, string> = {
  G: "G",
  PG: "PG",
  PG_13: "PG-13",
  R: "R",
  NC_17: "NC-17",
};

export function ratingLabel(rating: string | null | undefined): string {
  return rating ? (RATING_LABELS[rating] ?? rating) : "Unrated";
}

export function money(amount: string | null | undefined): string {
  if (amount === null || amount === undefined) return "";
  const value = Number(amount);
  return Number.isFinite(value) ? `$${value.toFixed(2)}` : amount;
}

export function date(iso: string | null | undefined): string {
  if (!iso) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleDateString(undefined, { dateStyle: "medium" });
}

/** An error box that counts down a rate-limit wait, then calls `onReady`. */
export function errorBox(error: unknown, onReady?: () => void): HTMLElement {
  const appError = asAppError(error);
  const box = h("div", { class: `notice notice-error kind-${appError.kind}`, role: "alert" });
  replace(box, appError.message);
  const wait = appError.retryAfterSeconds;
  if (appError.kind === "rate_limited" && wait !== null) {
    let left = Math.ceil(wait);
    const timer = window.setInterval(() => {
      left -= 1;
      if (!box.isConnected) {
        window.clearInterval(timer);
        return;
      }
      if (left <= 0) {
        window.clearInterval(timer);
        replace(box, "You can try again now.");
        box.className = "notice notice-info";
        onReady?.();
      } else {
        replace(box, `Too many requests. Please try again in ${left} second${left === 1 ? "" : "s"}.`);
      }
    }, 1000);
  }
  return box;
}

/** Put each field error next to its input (`data-field` = the error's `field`, e.g. input.email). */
export function showFieldErrors(form: HTMLFormElement, error: AppError): boolean {
  clearFieldErrors(form);
  let placed = false;
  for (const fieldError of error.fieldErrors) {
    const input = form.querySelector<HTMLInputElement | HTMLSelectElement>(
      `[data-field="${CSS.escape(fieldError.field ?? "")}"]`,
    );
    if (!input) continue;
    const message = h("p", { class: "field-error", id: `${input.id}-error` }, fieldError.message);
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", message.id);
    input.insertAdjacentElement("afterend", message);
    if (!placed) input.focus();
    placed = true;
  }
  return placed;
}

export function clearFieldErrors(form: HTMLFormElement): void {
  for (const el of form.querySelectorAll(".field-error")) el.remove();
  for (const el of form.querySelectorAll("[aria-invalid]")) {
    el.removeAttribute("aria-invalid");
    el.removeAttribute("aria-describedby");
  }
}

export function field(
  label: string,
  id: string,
  dataField: string,
  attrs: Record<string, string | boolean> = {},
): HTMLElement {
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, label),
    h("input", { id, name: id, "data-field": dataField, ...attrs }),
  );
}
