// The film browser (search, filters, sort, cursor pages) and the film detail.

import { h, replace } from "./dom";
import { request } from "./api";
import {
  CategoriesDocument,
  FilmCopiesAtStoreDocument,
  FilmDetailDocument,
  FilmsDocument,
  RentFilmDocument,
  type FilmCardFragment,
  type FilmFilter,
  type FilmOrder,
  type FilmsQueryVariables,
  type MpaaRating,
} from "./generated/graphql";
import { errorBox, money, ratingLabel } from "./ui";
import { fromUserErrors } from "./errors";
import { account, refreshAccount } from "./account";
import { watchAvailability } from "./live";

const PAGE_SIZE = 12;
const RATINGS: MpaaRating[] = ["G", "PG", "PG_13", "R", "NC_17"];

const SORTS: Record<string, { label: string; order: FilmOrder | null }> = {
  relevance: { label: "Best match / title", order: null },
  "title-asc": { label: "Title A–Z", order: { field: "TITLE", direction: "ASC" } },
  "title-desc": { label: "Title Z–A", order: { field: "TITLE", direction: "DESC" } },
  "length-asc": { label: "Shortest first", order: { field: "LENGTH", direction: "ASC" } },
  "length-desc": { label: "Longest first", order: { field: "LENGTH", direction: "DESC" } },
  "rate-asc": { label: "Cheapest first", order: { field: "RENTAL_RATE", direction: "ASC" } },
  "year-desc": { label: "Newest first", order: { field: "RELEASE_YEAR", direction: "DESC" } },
};

interface BrowseState {
  q: string;
  category: string;
  rating: string;
  sort: string;
  after: string | null;
  before: string | null;
}

export function filmCard(film: FilmCardFragment): HTMLElement {
  return h(
    "li",
    { class: "film-card" },
    film.posterUrl ? h("img", { class: "poster-thumb", src: film.posterUrl, alt: "", loading: "lazy" }) : null,
    h(
      "a",
      { href: `#/film/${film.filmId}`, class: "film-link", "data-film-id": film.filmId },
      h("span", { class: "film-title" }, film.title),
    ),
    h(
      "p",
      { class: "film-meta" },
      h("span", { class: "badge" }, ratingLabel(film.rating)),
      film.releaseYear ? ` ${film.releaseYear}` : "",
      film.length ? ` · ${film.length} min` : "",
      ` · ${money(film.rentalRate)}`,
      film.isInStock ? "" : h("span", { class: "badge badge-out" }, "out of stock"),
    ),
    film.description ? h("p", { class: "film-description" }, film.description) : null,
  );
}

let categories: { categoryId: number; name: string }[] | null = null;

export function renderBrowser(root: HTMLElement, params: URLSearchParams): void {
  const state: BrowseState = {
    q: params.get("q") ?? "",
    category: params.get("category") ?? "",
    rating: params.get("rating") ?? "",
    sort: params.get("sort") ?? "relevance",
    after: params.get("after"),
    before: params.get("before"),
  };
  const search = h("input", {
    id: "search",
    type: "search",
    name: "q",
    value: state.q,
    placeholder: "e.g. dinosaur, \"mad scientist\", drama -teacher",
    autocomplete: "off",
  });
  const categorySelect = h(
    "select",
    { id: "category", name: "category" },
    h("option", { value: "" }, "All categories"),
  );
  const ratingSelect = h(
    "select",
    { id: "rating", name: "rating" },
    h("option", { value: "" }, "All ratings"),
    RATINGS.map((r) => h("option", { value: r, selected: r === state.rating }, ratingLabel(r))),
  );
  const sortSelect = h(
    "select",
    { id: "sort", name: "sort" },
    Object.entries(SORTS).map(([key, s]) => h("option", { value: key, selected: key === state.sort }, s.label)),
  );
  const results = h("div", { id: "results", "aria-live": "polite", "aria-busy": "true" });

  const go = (changes: Partial<BrowseState>): void => {
    const next = { ...state, after: null, before: null, ...changes };
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(next)) {
      if (value && !(key === "sort" && value === "relevance")) query.set(key, String(value));
    }
    location.hash = `#/films?${query.toString()}`;
  };
  const form = h(
    "form",
    {
      class: "filters",
      role: "search",
      "aria-label": "Find films",
      onsubmit: (event: Event) => {
        event.preventDefault();
        go({ q: search.value.trim(), category: categorySelect.value, rating: ratingSelect.value, sort: sortSelect.value });
      },
    },
    h("div", { class: "field field-grow" }, h("label", { for: "search" }, "Search titles and descriptions"), search),
    h("div", { class: "field" }, h("label", { for: "category" }, "Category"), categorySelect),
    h("div", { class: "field" }, h("label", { for: "rating" }, "Rating"), ratingSelect),
    h("div", { class: "field" }, h("label", { for: "sort" }, "Sort by"), sortSelect),
    h("button", { type: "submit", class: "primary" }, "Search"),
  );
  for (const select of [categorySelect, ratingSelect, sortSelect]) {
    select.addEventListener("change", () =>
      go({ q: search.value.trim(), category: categorySelect.value, rating: ratingSelect.value, sort: sortSelect.value }),
    );
  }
  replace(root, h("h1", {}, "Films"), form, results);

  void (async () => {
    try {
      categories ??= (await request(CategoriesDocument, {})).categories.nodes;
      for (const c of categories) {
        categorySelect.append(
          h("option", { value: c.categoryId, selected: String(c.categoryId) === state.category }, c.name),
        );
      }
    } catch {
      // the list still works without the category filter
    }
  })();
  void loadPage(results, state, go);
}

async function loadPage(results: HTMLElement, state: BrowseState, go: (c: Partial<BrowseState>) => void): Promise<void> {
  const filter: FilmFilter = {};
  if (state.q) filter.fulltext = state.q;
  if (state.category) filter.categoryIds = [Number(state.category)];
  if (state.rating) filter.ratings = [state.rating as MpaaRating];
  const variables: FilmsQueryVariables = { filter, orderBy: SORTS[state.sort]?.order ?? null };
  if (state.before) {
    variables.last = PAGE_SIZE;
    variables.before = state.before;
  } else {
    variables.first = PAGE_SIZE;
    variables.after = state.after;
  }
  try {
    const { films } = await request(FilmsDocument, variables);
    const { pageInfo } = films;
    const pager = h(
      "nav",
      { class: "pager", "aria-label": "Pages" },
      h(
        "button",
        {
          type: "button",
          id: "prev-page",
          disabled: !pageInfo.hasPreviousPage,
          onclick: () => go({ ...state, after: null, before: pageInfo.startCursor ?? null }),
        },
        "← Previous",
      ),
      h(
        "button",
        {
          type: "button",
          id: "next-page",
          disabled: !pageInfo.hasNextPage,
          onclick: () => go({ ...state, before: null, after: pageInfo.endCursor ?? null }),
        },
        "Next →",
      ),
    );
    replace(
      results,
      h("p", { class: "count", id: "result-count" }, `${films.totalCount} film${films.totalCount === 1 ? "" : "s"}`),
      films.nodes.length
        ? h("ul", { class: "film-grid", id: "film-list" }, films.nodes.map(filmCard))
        : h("p", {}, "No film matches. Try fewer words or another filter."),
      pager,
    );
  } catch (error) {
    replace(results, errorBox(error, () => void loadPage(results, state, go)));
  } finally {
    results.setAttribute("aria-busy", "false");
  }
}

let stopWatching: () => void = () => undefined;

/** Stop following the film shown before (the router calls it on every navigation). */
export function leaveFilm(): void {
  stopWatching();
  stopWatching = () => undefined;
}

export function renderFilm(root: HTMLElement, filmId: number): void {
  stopWatching();
  const body = h("div", { "aria-live": "polite", "aria-busy": "true" }, "Loading…");
  replace(root, h("p", {}, h("a", { href: "#/films" }, "← All films")), body);
  const load = async (): Promise<void> => {
    try {
      const { film } = await request(FilmDetailDocument, { filmId });
      if (!film) {
        replace(body, h("h1", {}, "Film not found"), h("p", {}, `There is no film number ${filmId}.`));
        return;
      }
      // the stores that hold copies of the film, then how many of those are in now
      const stores = [...new Set(film.inventory.nodes.map((copy) => copy.store.storeId))].sort((a, b) => a - b);
      const availability: [number, number][] = await Promise.all(
        stores.map(async (storeId): Promise<[number, number]> => {
          const copies = await request(FilmCopiesAtStoreDocument, { filmId, storeId });
          return [storeId, copies.film?.availableCopies ?? 0];
        }),
      );
      const me = account();
      const rentStatus = h("div", { id: "rent-status", role: "status" });
      const stockText = (copies: number): string => (copies === 0 ? "none available" : `${copies} available`);
      const rows = availability.map(([storeId, copies]) =>
        h(
          "tr",
          {},
          h("th", { scope: "row" }, `Store ${storeId}`),
          h("td", { "data-store": storeId, class: "copies" }, stockText(copies)),
          h(
            "td",
            {},
            me?.customer
              ? h(
                  "button",
                  {
                    type: "button",
                    class: "primary",
                    "data-rent-store": storeId,
                    disabled: copies === 0,
                    onclick: (event: Event) => void rent(event.currentTarget as HTMLButtonElement, storeId),
                  },
                  `Rent at store ${storeId}`,
                )
              : h("a", { href: "#/signin" }, "Sign in to rent"),
          ),
        ),
      );
      // live: the counts follow every rent and return, from this page or anywhere else
      stopWatching();
      stopWatching = watchAvailability(filmId, (stores) => {
        for (const store of stores) {
          const cell = body.querySelector(`td[data-store="${store.storeId}"]`);
          if (cell) cell.textContent = stockText(store.inStock);
          const button = body.querySelector<HTMLButtonElement>(`button[data-rent-store="${store.storeId}"]`);
          if (button && !button.dataset.busy) button.disabled = store.inStock === 0;
        }
      });
      const rent = async (button: HTMLButtonElement, storeId: number): Promise<void> => {
        const customer = account()?.customer;
        if (!customer) return;
        button.disabled = true;
        button.dataset.busy = "1";
        try {
          const { rentFilm } = await request(RentFilmDocument, {
            input: { customerId: customer.customerId, storeId, filmId, idempotencyKey: crypto.randomUUID() },
          });
          if (rentFilm.errors.length) throw fromUserErrors(rentFilm.errors);
          await refreshAccount();
          await load();
          document.getElementById("rent-status")?.replaceChildren(
            `Rented: copy ${rentFilm.rental?.inventory.inventoryId} from store ${storeId}. See “My rentals”.`,
          );
        } catch (error) {
          rentStatus.replaceChildren(errorBox(error));
          button.disabled = false;
        } finally {
          delete button.dataset.busy;
        }
      };
      replace(
        body,
        h("h1", { id: "film-title" }, film.title),
        film.posterUrl ? h("img", { class: "poster", src: film.posterUrl, alt: `Poster of ${film.title}` }) : null,
        h(
          "p",
          { class: "film-meta" },
          h("span", { class: "badge" }, ratingLabel(film.rating)),
          film.releaseYear ? ` ${film.releaseYear}` : "",
          film.length ? ` · ${film.length} min` : "",
          ` · ${film.language.name}`,
        ),
        film.description ? h("p", { class: "lead" }, film.description) : null,
        h(
          "dl",
          { class: "facts" },
          h("dt", {}, "Rental"),
          h("dd", {}, `${money(film.rentalRate)} for ${film.rentalDuration} days`),
          h("dt", {}, "Replacement cost"),
          h("dd", {}, money(film.replacementCost)),
          h("dt", {}, "Categories"),
          h("dd", { id: "film-categories" }, film.categories.nodes.map((c) => c.name).join(", ") || "—"),
          film.specialFeatures.length ? [h("dt", {}, "Extras"), h("dd", {}, film.specialFeatures.join(", "))] : null,
        ),
        h("h2", {}, "Availability"),
        stores.length === 0 ? h("p", {}, "No store holds a copy of this film.") : null,
        h(
          "table",
          { class: "availability", id: "availability" },
          h("caption", { class: "visually-hidden" }, "Copies in stock per store"),
          h("tbody", {}, rows),
        ),
        rentStatus,
        h("h2", {}, "Cast"),
        h(
          "ul",
          { class: "cast", id: "film-actors" },
          film.actors.nodes.map((a) => h("li", {}, `${a.firstName} ${a.lastName}`.toLowerCase())),
        ),
      );
      document.title = `${film.title} · Pagila DVD`;
    } catch (error) {
      replace(body, errorBox(error, () => void load()));
    } finally {
      body.setAttribute("aria-busy", "false");
    }
  };
  void load();
}
