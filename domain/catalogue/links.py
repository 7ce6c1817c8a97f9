"""Linking a customer's question to the catalogue, before any model reads it (decision 0065).

What the data can decide is decided here: which catalogue titles the question names (exactly,
with a typo, or only in part), which actors, categories, ratings and stores, which numbers with
units (dollars, minutes), which order it asks for ("longest", "cheapest") and which facts
("in stock?", "how long?"). A question naming a film the catalogue does not hold is recognised
too. The agents route and fill tool arguments from these links; the model decides only what the
data cannot.

Plain Python over one port, `CatalogueLinkRepository` (candidates by trigram similarity, found
with the database's `pg_trgm` indexes); the word-by-word classification is done here.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from domain.catalogue.films import MpaaRating

MAX_PHRASE_WORDS = 4
#: total edits a title (or a name) may differ by and still be "close" (a typo or two)
MAX_EDITS = 2


class MatchKind(StrEnum):
    #: the question writes a catalogue title (any case)
    EXACT = "exact"
    #: one or two letters differ: "Baby Hayl" → BABY HALL ("Did you mean …?")
    CLOSE = "close"
    #: a film the catalogue does not hold, sharing a word with one it does: "The Godfather" →
    #: GODFATHER DIARY is the closest title, not the film asked for
    PARTIAL = "partial"
    #: a film the catalogue does not hold, nothing like it
    MISSING = "missing"


class FactAsked(StrEnum):
    STOCK = "stock"
    PRICE = "price"
    REPLACEMENT_COST = "replacement_cost"
    LENGTH = "length"
    RATING = "rating"
    SUITABILITY = "suitability"
    YEAR = "year"
    DESCRIPTION = "description"


class SortField(StrEnum):
    LENGTH = "length"
    RENTAL_RATE = "rental_rate"
    REPLACEMENT_COST = "replacement_cost"
    RELEASE_YEAR = "release_year"
    TITLE = "title"


@dataclass(frozen=True, slots=True)
class TitleCandidate:
    """A catalogue title similar to a phrase of the question (from the repository)."""

    phrase: str
    film_id: int
    title: str


@dataclass(frozen=True, slots=True)
class ActorCandidate:
    phrase: str
    actor_id: int
    name: str  # "PENELOPE GUINESS"


class CatalogueLinkRepository(Protocol):
    async def titles_like(self, phrases: Sequence[str]) -> list[TitleCandidate]:
        """Catalogue titles similar to any of `phrases` (trigram similarity, or the phrase
        among the title's words), each with the phrase it resembles."""
        ...

    async def actors_like(self, phrases: Sequence[str]) -> list[ActorCandidate]:
        """Actors whose full name is similar to any of `phrases`."""
        ...

    async def category_names(self) -> list[str]: ...


@dataclass(frozen=True, slots=True)
class TitleLink:
    kind: MatchKind
    #: the words of the question, as written
    asked: str
    #: the catalogue film: the one meant (exact, close) or the closest one (partial)
    film_id: int | None = None
    title: str | None = None

    @property
    def in_catalogue(self) -> bool:
        return self.kind in (MatchKind.EXACT, MatchKind.CLOSE)


@dataclass(frozen=True, slots=True)
class Sort:
    field: SortField
    descending: bool


@dataclass(frozen=True, slots=True)
class QuestionLinks:
    question: str
    #: catalogue titles the question names (exact or close), in question order
    titles: tuple[TitleLink, ...] = ()
    #: films the question names that the catalogue does not hold (partial or missing)
    missing: tuple[TitleLink, ...] = ()
    actors: tuple[ActorCandidate, ...] = ()
    categories: tuple[str, ...] = ()
    ratings: tuple[MpaaRating, ...] = ()
    stores: tuple[int, ...] = ()
    max_price: Decimal | None = None
    min_length: int | None = None
    max_length: int | None = None
    sort: Sort | None = None
    asks: frozenset[FactAsked] = frozenset()
    #: the question asks for films by a property (order, suitability, a mood, a bound)
    by_property: bool = False
    #: topic words left over for a full-text search ("sharks", "dentist")
    topics: tuple[str, ...] = field(default=())
    #: what the customer wants films about ("sharks"), for a full-text search
    themes: tuple[str, ...] = ()
    #: a general question, whatever catalogue words it uses, unless it names a film: "why …?",
    #: "what is the difference …", or one asking what a word means ("What does an MPAA rating
    #: of PG mean?", "can you explain what a running time is?")
    general: bool = False
    #: the question asks what a word means ("What does PG-13 mean?")
    asks_meaning: bool = False

    @property
    def film(self) -> TitleLink | None:
        return self.titles[0] if self.titles else None

    @property
    def names_catalogue_entity(self) -> bool:
        return bool(self.titles or self.actors or self.categories or self.stores)

    @property
    def about_catalogue(self) -> bool:
        """Whether the SearchAgent should answer: it names a catalogue entity, or asks for
        films by a property, a rating, a price or a length."""
        if self.general and not self.titles:
            return False
        return bool(
            self.names_catalogue_entity
            or self.by_property
            or self.max_price is not None
            or self.min_length is not None
            or self.max_length is not None
        )

    @property
    def not_in_catalogue(self) -> TitleLink | None:
        """The film the question asks for that the catalogue does not hold — only when it
        names no catalogue title (then the customer meant that one)."""
        return self.missing[0] if self.missing and not self.titles else None


# --- words -----------------------------------------------------------------------------------

_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'\-]*")


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_STOP = _words(
    "a an the is are was be do does did you your we our i me my any anything something some "
    "have has got get can could would will of in on at to for with about from by and or but "
    "what what's whats which who how how's there that this it it's its please tell show "
    "find give under over than more less most least film films movie movies dvd dvds rated "
    "rating long longer short shorter cheap cheaper minutes minute hour hours price cost "
    "costs rent rental store stores stock copy copies available good pick night kids family "
    "children watch see called titled named know much many"
)
#: words that are never part of a film's name in a question ("Is ZORRO ARK in stock?")
_NOT_NAME = _words(
    "i dvd dvds mpaa pg pg-13 nc-17 g r store film films movie movies what who which how is "
    "are do does can could would tell give show find hi hello thanks please"
)
_CUE = re.compile(
    r"\b(?:do you (?:have|rent|stock|carry|sell)|have you got|tell me about|"
    r"info(?:rmation)? (?:on|about)|details (?:of|on)|looking for|"
    r"(?:want|like) to (?:rent|watch|see))\s+"
    r"(?:the (?:film|movie|dvd)\s+|(?:film|movie)\s+)?"
    r"(?P<name>[^?.!,]{2,60}?)\s*(?:\bin stock\b|\bavailable\b|\bat store\b|\babout\b|"
    r"\bto rent\b|\bfor rent\b|\bcost\b|\bon dvd\b|[?.!,]|$)",
    re.IGNORECASE,
)
#: a named thing may not start with these (then it is no name: "any comedies", "it")
_NOT_NAME_START = _words(
    "my our your his her their me us a an any some something anything it that this them "
    "there films movies film movie dvds "
    "more other your you there good best one ones new old kids family what which how rated "
    "cheap long short"
)
#: words that make a cue's phrase a request by property, not a film's name
_GENERIC_NAME_WORDS = _words(
    "film films movie movies dvd dvds longest shortest cheapest newest oldest something "
    "anything copies copy store stock catalogue catalog stores rentals"
)
_QUOTED = re.compile(r"[\"“]([^\"”]{2,60})[\"”]")
_RATING = re.compile(
    r"(?<![\w-])(NC-?17|PG-?13|PG|G|R)(?![\w-])|(?<![\w-])(nc-?17|pg-?13|pg)(?![\w-])|"
    r"\b(?:rated|rating)\s+(g|r)\b|(?i:\b(g|r|pg|pg-13|nc-17)-rated\b)",
)
_STORE = re.compile(r"\bstore\s*(?:#|no\.?|number)?\s*(\d{1,3})\b", re.IGNORECASE)
_MONEY = re.compile(
    r"(?P<bound>under|below|less than|at most|up to|cheaper than|max(?:imum)?|no more than|"
    r"for|at)?\s*"
    r"(?:\$\s*(?P<a>\d+(?:\.\d{1,2})?)|(?P<b>\d+(?:\.\d{1,2})?)\s*(?:dollars?|bucks|usd)\b)",
    re.IGNORECASE,
)
_MINUTES = re.compile(
    r"(?P<bound>under|below|less than|at most|up to|shorter than|within|no more than|over|"
    r"above|more than|at least|longer than)?\s*(?P<n>\d+(?:\.\d+)?)\s*"
    r"(?P<unit>minutes?|mins?|hours?|hrs?|h)\b",
    re.IGNORECASE,
)
_AT_LEAST = frozenset({"over", "above", "more than", "at least", "longer than"})

_SORTS: tuple[tuple[re.Pattern[str], Sort], ...] = (
    (re.compile(r"\blongest\b|\blongest-running\b", re.I), Sort(SortField.LENGTH, True)),
    (re.compile(r"\bshortest\b|\bquickest\b", re.I), Sort(SortField.LENGTH, False)),
    (
        re.compile(r"\bmost expensive to replace\b|\bhighest replacement", re.I),
        Sort(SortField.REPLACEMENT_COST, True),
    ),
    (
        re.compile(r"\bcheapest to replace\b|\blowest replacement", re.I),
        Sort(SortField.REPLACEMENT_COST, False),
    ),
    (
        re.compile(r"\bcheapest\b|\bleast expensive\b|\blowest (?:price|rate)", re.I),
        Sort(SortField.RENTAL_RATE, False),
    ),
    (
        re.compile(r"\bmost expensive\b|\bpriciest\b|\bhighest (?:price|rate)", re.I),
        Sort(SortField.RENTAL_RATE, True),
    ),
    (
        re.compile(r"\bnewest\b|\blatest\b|\bmost recent\b", re.I),
        Sort(SortField.RELEASE_YEAR, True),
    ),
    (re.compile(r"\boldest\b", re.I), Sort(SortField.RELEASE_YEAR, False)),
)
_ASKS: tuple[tuple[re.Pattern[str], FactAsked], ...] = (
    (
        re.compile(
            r"\bin stock\b|\bavailab|\bcop(?:y|ies)\b|\bon the shelf\b|\bcan i rent\b|"
            r"\bdo you (?:have|carry|stock)\b|\bhave you got\b",
            re.I,
        ),
        FactAsked.STOCK,
    ),
    (
        re.compile(r"\breplace|\breplacement\b|\bif i lose\b|\blost\b|\bdamage", re.I),
        FactAsked.REPLACEMENT_COST,
    ),
    (
        re.compile(r"\bhow much\b|\bprice\b|\bcost\b|\brental rate\b|\bfee\b|\bcharge\b|\$", re.I),
        FactAsked.PRICE,
    ),
    (
        re.compile(r"\bhow long\b|\blength\b|\bminutes\b|\brunning time\b|\bruntime\b", re.I),
        FactAsked.LENGTH,
    ),
    (re.compile(r"\brated\b|\brating\b|\bmpaa\b|\bage rating\b", re.I), FactAsked.RATING),
    (
        re.compile(
            r"\bfamil(?:y|ies)\b(?!\s+(?:films?|movies?|category|section)\b(?!\s+night))|\bkids?\b|"
            r"\bchild(?:ren)?\b|\bsuitable\b|\bappropriate\b|\bok for\b|\bsafe for\b|"
            r"\bteen(?:s|ager)?s?\b|\b\d+[- ]year[- ]old",
            re.I,
        ),
        FactAsked.SUITABILITY,
    ),
    (re.compile(r"\bwhat year\b|\breleased?\b|\bwhen was\b", re.I), FactAsked.YEAR),
    (
        re.compile(r"\babout\b|\bplot\b|\bstory\b|\bdescri|\bsummary\b|\bwhat happens\b", re.I),
        FactAsked.DESCRIPTION,
    ),
)
#: moods and themes → categories (the descriptions never name their category)
MOOD_CATEGORIES: dict[str, str] = {
    "scary": "Horror",
    "scare": "Horror",
    "frightening": "Horror",
    "creepy": "Horror",
    "spooky": "Horror",
    "horror": "Horror",
    "funny": "Comedy",
    "laugh": "Comedy",
    "hilarious": "Comedy",
    "comedy": "Comedy",
    "comedies": "Comedy",
    "cartoon": "Animation",
    "animated": "Animation",
    "sporty": "Sports",
    "musical": "Music",
    "futuristic": "Sci-Fi",
    "adventure": "Action",
    "exciting": "Action",
    "thrilling": "Action",
    "true": "Documentary",
}
#: a theme: "something with sharks", "films about a dentist", "a good movie for Christmas"
_THEME = re.compile(
    r"(?:\b(?:something|anything|films?|movies?|dvds?|ones?|titles?)\s+(?:(?:good|nice|fun)\s+)?"
    r"(?:with|about|featuring|involving|for|set in|on)|"
    r"\b\w+(?:ies|s)\s+(?:about|featuring|involving|set in))"
    r"\s+(?:an?\s+|the\s+|some\s+)?"
    r"(?P<theme>[A-Za-z][\w'-]*(?:\s+[A-Za-z][\w'-]*)?)",
    re.IGNORECASE,
)
_RECOMMEND = re.compile(
    r"\b(?:recommend|suggest)\b|\b(?:a|any|some)\s+(?:good\s+)?(?:films?|movies?)\s+(?:for|about|with)\b",
    re.IGNORECASE,
)
#: "why do people like scary films?": a general question, whatever words it uses
_WHY = re.compile(r"(?:why|how come|what is the difference|what's the difference)\b", re.I)
#: a question about what a word means: general too ("What does an MPAA rating of PG mean?")
_MEANING = re.compile(
    r"\bwhat (?:does|do|did) .{1,80}? (?:mean|stand for)\b|\bmeaning of\b|"
    r"\bwhat is meant by\b|\bexplain\b|\bdefin(?:e|ition)\b",
    re.IGNORECASE,
)
#: the catalogue itself, or films in the plural: a question for the SearchAgent
_CATALOGUE = re.compile(
    r"\b(?:catalog(?:ue)?|in stock|stores?|films|movies|titles)\b", re.IGNORECASE
)
_PROPERTY_WORDS = re.compile(
    r"\b(?:recommend|suggest|something|anything|films?|movies?|dvds?|titles?|catalog(?:ue)?)\b",
    re.I,
)


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def edit_distance(a: str, b: str, limit: int = MAX_EDITS + 1) -> int:
    """Levenshtein distance (case-insensitive), or `limit` once it is certainly ≥ limit."""
    a, b = a.lower(), b.lower()
    if abs(len(a) - len(b)) >= limit:
        return limit
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) >= limit:
            return limit
        previous = current
    return min(previous[-1], limit)


def _word_budget(word: str) -> int:
    return 0 if len(word) <= 3 else 1 if len(word) <= 6 else 2


def _significant(phrase: str) -> list[str]:
    """The phrase's words without a leading article ("the Godfather" → ["Godfather"])."""
    found = words(phrase)
    while found and found[0].lower() in ("the", "a", "an"):
        found = found[1:]
    return found


def close_to(phrase: str, name: str, *, named: bool) -> int | None:
    """Edits between `phrase` and `name` word by word (None: not close). Same number of words;
    each word within its own budget (none for short words), at most MAX_EDITS in all; a phrase
    the customer did not write as a name must have one word right."""
    asked = _significant(phrase)
    target = words(name)
    if len(asked) != len(target) or not asked:
        return None
    total = 0
    exact_words = 0
    for a, t in zip(asked, target, strict=True):
        distance = edit_distance(a, t)
        if distance > _word_budget(t):
            return None
        total += distance
        exact_words += distance == 0
    if total > MAX_EDITS or (not named and exact_words == 0):
        return None
    return total


def phrases_of(question: str) -> list[str]:
    """Runs of one to MAX_PHRASE_WORDS words that neither start nor end with a stop word."""
    found = words(question)
    phrases: list[str] = []
    for size in range(1, MAX_PHRASE_WORDS + 1):
        for start in range(len(found) - size + 1):
            run = found[start : start + size]
            # a title may end with a common word ("PURPLE MOVIE"), never start with one
            if run[0].lower() in _STOP or (size == 1 and run[-1].lower() in _STOP):
                continue
            if all(w.isdigit() for w in run):
                continue
            phrase = " ".join(run)
            if phrase.lower() not in (p.lower() for p in phrases):
                phrases.append(phrase)
    return phrases


def _is_capitalised(word: str) -> bool:
    return word[:1].isupper()


def named_phrases(question: str) -> list[str]:
    """What the question names as a film: quoted phrases, runs of capitalised words (two or
    more, or one after a cue such as "do you have"), and what follows a cue in lower case
    ("do you have the godfather in stock?")."""
    named: list[str] = [m.strip() for m in _QUOTED.findall(question)]
    tokens = list(_WORD.finditer(question))
    run: list[re.Match[str]] = []

    def flush() -> None:
        capitals = [m for m in run if _is_capitalised(m.group())]
        while run and not _is_capitalised(run[-1].group()):
            run.pop()
        if not capitals:
            return
        if _after_place_word(question, run[0].start()):
            return
        if len(capitals) >= 2 or _after_cue(question, run[0].start()):
            start, end = run[0].start(), run[-1].end()
            named.append(question[start:end])

    connectors = {"of", "the", "and", "in", "a", "on", "to"}
    for token in tokens:
        word = token.group()
        first_word = token.start() == _first_word_start(question, token.start())
        if (
            _is_capitalised(word)
            and word.lower() not in _NOT_NAME
            and not (first_word and not run and not word.isupper())
        ) or (run and word.lower() in connectors and not word.isupper()):
            run.append(token)
        else:
            flush()
            run = []
    flush()
    for match in _CUE.finditer(question):
        name = match.group("name").strip()
        first = name.split()[0].lower() if name.split() else ""
        lowered = {w.lower() for w in words(name)}
        if first in _NOT_NAME_START or len(name.split()) > 5 or lowered & _GENERIC_NAME_WORDS:
            continue
        if name.lower().startswith("the ") or any(ch.isalpha() for ch in name):
            named.append(name)
    unique: list[str] = []
    for raw in named:
        phrase = raw.strip(" '\"")
        if phrase and phrase.lower() not in (u.lower() for u in unique):
            unique.append(phrase)
    return unique


def _first_word_start(question: str, position: int) -> int:
    """Where the sentence holding `position` starts (its first word)."""
    before = question[:position]
    cut = max(before.rfind("."), before.rfind("?"), before.rfind("!"))
    rest = question[cut + 1 :]
    match = _WORD.search(rest)
    return cut + 1 + match.start() if match else position


def _after_place_word(question: str, position: int) -> bool:
    """ "set in the Canadian Rockies", "a shark in Nigeria", "with Penelope Guiness": a place
    or a person, not the name of a film."""
    before = [w.lower() for w in words(question[:position])][-2:]
    if before and before[-1] in ("the", "a") and len(before) == 2:
        before = before[:1]
    return bool(before) and before[-1] in ("in", "on", "at", "from", "near", "with", "by")


def _after_cue(question: str, position: int) -> bool:
    before = question[:position].lower().split()[-3:]
    cue_words = {"have", "got", "about", "carry", "stock", "watch", "see", "rent", "is", "called"}
    cue_words |= {"titled", "named", "film", "movie", "like"}
    return bool(before) and before[-1] in cue_words


def _ratings(question: str) -> list[MpaaRating]:
    found: list[MpaaRating] = []
    for match in _RATING.finditer(question):
        raw = next(g for g in match.groups() if g)
        value = raw.upper().replace("NC17", "NC-17").replace("PG13", "PG-13")
        rating = MpaaRating(value)
        if rating not in found:
            found.append(rating)
    return found


def _money(question: str) -> Decimal | None:
    for match in _MONEY.finditer(question):
        if match.group("bound"):
            return Decimal(match.group("a") or match.group("b"))
    return None


_HOURS_IN_WORDS = re.compile(r"\b(?:an|one) hour\b|\bhalf an hour\b|\btwo hours\b", re.I)
_HOURS_VALUES = {"an hour": "60 minutes", "one hour": "60 minutes", "half an hour": "30 minutes"}


def _minutes(question: str) -> tuple[int | None, int | None]:
    question = _HOURS_IN_WORDS.sub(
        lambda m: _HOURS_VALUES.get(m.group().lower(), "120 minutes"), question
    )
    low = high = None
    for match in _MINUTES.finditer(question):
        value = float(match.group("n"))
        unit = match.group("unit").lower()
        minutes = round(value * 60) if unit.startswith("h") else round(value)
        bound = (match.group("bound") or "").lower()
        if bound in _AT_LEAST:
            low = minutes
        elif bound:
            high = minutes
    return low, high


def _categories(question: str, names: Sequence[str]) -> list[str]:
    from domain.catalogue.search import category_key

    keys = {category_key(name): name for name in names}
    found: list[str] = []
    tokens = [w.strip("'-") for w in words(question)]
    family_film = re.search(
        r"\bfamily (?:films?|movies?|category|section)\b(?!\s+night)", question, re.I
    )
    new_films = re.search(
        r"\bnew (?:films?|movies?|dvds?|titles?|releases?|category|section)\b", question, re.I
    )
    for token in tokens:
        key = category_key(token)
        if key in keys and keys[key] not in found:
            if keys[key] == "Family" and not family_film:
                continue  # "for a family movie night": suitability, not the category
            if keys[key] == "New" and token != "New" and not new_films:
                continue  # "anything new?": a category only written as one or as "new films"
            found.append(keys[key])
        mood = MOOD_CATEGORIES.get(token.lower())
        if mood and mood in keys.values() and mood not in found:
            found.append(mood)
    sci_fi = re.search(r"\bsci[- ]?fi\b|\bscience fiction\b", question, re.I)
    if sci_fi and "Sci-Fi" in names and "Sci-Fi" not in found:
        found.append("Sci-Fi")
    return found


def _covered(phrase: str, spans: Sequence[str]) -> bool:
    low = f" {' '.join(words(phrase)).lower()} "
    return any(low.strip() and low in f" {' '.join(words(s)).lower()} " for s in spans)


async def link_question(question: str, repository: CatalogueLinkRepository) -> QuestionLinks:
    """Everything the catalogue can say about `question` (see the module's docstring)."""
    named = named_phrases(question)
    phrases = phrases_of(question)
    lookups = list(dict.fromkeys([*phrases, *(" ".join(_significant(n)) for n in named)]))
    lookups = [p for p in lookups if p]
    title_hits = await repository.titles_like(lookups) if lookups else []
    name_phrases = [p for p in phrases if 2 <= len(p.split()) <= 3]
    actor_hits = await repository.actors_like(name_phrases) if name_phrases else []
    category_names = await repository.category_names()

    chosen = _title_links(question, named, title_hits)
    actors = _actor_links(actor_hits, chosen)
    missing = _missing_links(named, chosen, actors, title_hits, category_names)
    ratings = _ratings(question)
    low, high = _minutes(question)
    sort = next((s for pattern, s in _SORTS if pattern.search(question)), None)
    asks = frozenset(fact for pattern, fact in _ASKS if pattern.search(question))
    if FactAsked.REPLACEMENT_COST in asks and not re.search(r"\brent", question, re.I):
        asks -= {FactAsked.PRICE}  # "what is the replacement cost": not the rental price
    used = {w.lower() for c in chosen for w in words(c.asked)}
    used |= {w.lower() for a in actors for w in words(a.phrase)}
    themes = _themes(question, category_names, used)
    meaning = _MEANING.search(question) is not None
    why = _WHY.match(question.strip()) is not None or meaning
    by_property = not why and bool(
        sort is not None
        or themes
        or _CATALOGUE.search(question)
        or _RECOMMEND.search(question)
        or (FactAsked.SUITABILITY in asks and _PROPERTY_WORDS.search(question))
        or any(MOOD_CATEGORIES.get(w.lower()) for w in words(question))
        or (ratings and _PROPERTY_WORDS.search(question))
    )
    topics = tuple(
        w
        for w in words(question)
        if w.lower() not in _STOP | used | MOOD_CATEGORIES.keys()
        and not w.isdigit()
        and len(w) > 2
        and not _is_vocabulary(w, category_names)
    )
    return QuestionLinks(
        question=question,
        titles=tuple(chosen),
        missing=tuple(missing),
        actors=tuple(actors),
        categories=tuple(_categories(question, category_names)),
        ratings=tuple(ratings),
        stores=tuple(dict.fromkeys(int(m.group(1)) for m in _STORE.finditer(question))),
        max_price=_money(question),
        min_length=low,
        max_length=high,
        sort=sort,
        asks=asks,
        by_property=by_property,
        topics=topics,
        themes=themes,
        general=why,
        asks_meaning=meaning,
    )


def _title_links(
    question: str, named: Sequence[str], hits: Sequence[TitleCandidate]
) -> list[TitleLink]:
    """Exact and close titles, in question order, each film once; an exact title wins over a
    look-alike elsewhere in the question."""
    named_lower = {" ".join(_significant(n)).lower() for n in named}
    titles: list[tuple[int, TitleLink]] = []
    for hit in hits:
        is_named = hit.phrase.lower() in named_lower or _is_title_case(hit.phrase)
        if " ".join(words(hit.phrase)).upper() == hit.title.upper():
            link = TitleLink(MatchKind.EXACT, hit.phrase, hit.film_id, hit.title)
        elif close_to(hit.phrase, hit.title, named=is_named) is not None:
            link = TitleLink(MatchKind.CLOSE, hit.phrase, hit.film_id, hit.title)
        else:
            continue
        titles.append((question.lower().find(hit.phrase.lower()), link))
    titles.sort(key=lambda item: (item[0], item[1].kind != MatchKind.EXACT))
    chosen: list[TitleLink] = []
    exact = any(link.kind is MatchKind.EXACT for _, link in titles)
    for _, link in titles:
        if any(c.film_id == link.film_id for c in chosen):
            continue
        if link.kind is MatchKind.CLOSE and exact:
            continue  # "If I lose BIRD INDEPENDENCE": the title written wins over LOST BIRD
        chosen.append(link)
    return chosen


def _actor_links(
    hits: Sequence[ActorCandidate], titles: Sequence[TitleLink]
) -> list[ActorCandidate]:
    actors: list[ActorCandidate] = []
    for actor in hits:
        named_actor = _is_title_case(actor.phrase) or actor.phrase.isupper()
        if close_to(actor.phrase, actor.name, named=named_actor) is None:
            continue
        if _covered(actor.phrase, [c.asked for c in titles]):
            continue
        if all(a.actor_id != actor.actor_id for a in actors):
            actors.append(actor)
    return actors


def _missing_links(
    named: Sequence[str],
    titles: Sequence[TitleLink],
    actors: Sequence[ActorCandidate],
    hits: Sequence[TitleCandidate],
    category_names: Sequence[str],
) -> list[TitleLink]:
    """What the question names as a film that is no catalogue title, actor or vocabulary."""
    missing: list[TitleLink] = []
    for phrase in named:
        core = " ".join(_significant(phrase))
        if not core or _is_vocabulary(core, category_names):
            continue
        asked = [c.asked for c in titles]
        if _covered(core, asked) or any(_covered(a, [core]) for a in asked):
            continue
        if any(_covered(core, [a.phrase]) or _covered(a.phrase, [core]) for a in actors):
            continue
        closest = _closest(core, hits)
        if closest is None:
            missing.append(TitleLink(MatchKind.MISSING, phrase))
        else:
            missing.append(TitleLink(MatchKind.PARTIAL, phrase, closest.film_id, closest.title))
    return missing


def _themes(question: str, category_names: Sequence[str], used: set[str]) -> tuple[str, ...]:
    """What the customer wants films about: the topic words after "about", "with", "set in"…
    (not a category, rating, actor or title the question also names)."""
    match = _THEME.search(question)
    if match is None:
        return ()
    rest = question[match.start("theme") :]
    theme = [
        w
        for w in words(rest)
        if w.lower() not in _STOP
        and w.lower() not in used
        and not _is_vocabulary(w, category_names)
        and not w.isdigit()
        and not _MINUTES.fullmatch(w)
    ]
    return tuple(dict.fromkeys(theme))


def _is_title_case(phrase: str) -> bool:
    found = words(phrase)
    return bool(found) and all(_is_capitalised(w) for w in found)


def _is_vocabulary(phrase: str, categories: Sequence[str]) -> bool:
    """A category, a rating or a mood written with a capital is no film's name."""
    from domain.catalogue.search import category_key

    keys = {category_key(c) for c in categories}
    found = words(phrase)
    return all(
        category_key(w) in keys
        or w.upper() in {r.value for r in MpaaRating}
        or w.lower() in MOOD_CATEGORIES
        or w.lower() in _NOT_NAME
        for w in found
    )


def _closest(phrase: str, hits: Sequence[TitleCandidate]) -> TitleCandidate | None:
    """The catalogue title sharing the most of the phrase's words (four letters or more)."""
    asked = {w.upper() for w in words(phrase) if len(w) >= 3 and w.lower() not in _STOP}
    best: tuple[int, TitleCandidate] | None = None
    for hit in hits:
        shared = len(asked & {w.upper() for w in words(hit.title)})
        if shared and (best is None or shared > best[0]):
            best = (shared, hit)
    return best[1] if best else None
