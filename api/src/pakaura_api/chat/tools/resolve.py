"""Which task does "the report task" mean? One answer for both the AI and the demo assistant.

Acting on a guess is the worst thing a task assistant can do ("delete report" deleting the first
of several reports), so the rules are strict:
1. an exact (case-insensitive) title match acts;
2. otherwise a single confident fuzzy match acts: score >= MATCH_THRESHOLD and at least
   MATCH_MARGIN points ahead of the runner-up;
3. several plausible tasks -> no action, the candidates are returned so the caller can ask;
4. nothing plausible -> no action, "not found".
`Resolution.exact` tells rule 1 (or an id) from rule 2: deleting asks first unless it is exact.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz, utils

from pakaura_api.chat.tools.access import Record, TaskAccess

MATCH_THRESHOLD = 75.0
MATCH_MARGIN = 10.0
MAX_CANDIDATES = 5
# Below this length partial matching is meaningless ("a" is "part of" most titles): exact only.
MIN_FUZZY_LENGTH = 3

_QUOTES = re.compile(r"[\"'`\u2018\u2019\u201c\u201d]")
_LEADING_ARTICLE = re.compile(r"^(?:the|my|a|an|that|this)\s+", re.IGNORECASE)
_TRAILING_TASK = re.compile(r"\s+(?:task|todo|to-do|item|one)$", re.IGNORECASE)
_TRAILING_PUNCT = re.compile(r"[\s.!?,;:]+$")


def clean_reference(text: str) -> str:
    """Strip the filler people wrap a task name in: quotes, "the … task", trailing punctuation."""
    cleaned = _TRAILING_PUNCT.sub("", text.strip())
    unquoted = _QUOTES.sub("", cleaned).strip()
    if unquoted != cleaned:  # a quoted name is taken literally
        return unquoted
    cleaned = _LEADING_ARTICLE.sub("", cleaned)
    cleaned = _TRAILING_TASK.sub("", cleaned)
    return _TRAILING_PUNCT.sub("", cleaned).strip()


_FILLER_WORDS = frozenset({"the", "a", "an", "my", "of", "for", "and"})
WORD_MATCH = 75.0  # "mlik" still counts as "milk"


def _words(text: str) -> list[str]:
    return [word for word in utils.default_process(text).split() if word not in _FILLER_WORDS]


def _score(query: str, query_words: list[str], title: str) -> float:
    """WRatio, scaled down when words of the query are missing from the title.

    WRatio alone is symmetric: for "write the report" the task "Report" (contained in the query)
    scores as high as "Write report". What the user typed should be found in the title.
    """
    base = fuzz.WRatio(query, title, processor=utils.default_process)
    if not query_words:
        return base
    title_words = utils.default_process(title).split()
    found = sum(
        1
        for word in query_words
        if any(fuzz.ratio(word, candidate) >= WORD_MATCH for candidate in title_words)
    )
    return base * (0.5 + 0.5 * found / len(query_words))


@dataclass
class Resolution:
    task: Record | None = None
    candidates: list[Record] = field(default_factory=list)
    error: str | None = None
    # The task was named exactly (its id, or its whole title): destructive tools act only then.
    exact: bool = False


def match(reference: str, tasks: Sequence[Record]) -> Resolution:
    """Pure matching of a free-text reference against the user's tasks (see module rules)."""
    raw = reference.strip().casefold()
    cleaned = clean_reference(reference)
    if not cleaned:
        return Resolution(error="Which task do you mean?")
    for wanted in dict.fromkeys([raw, cleaned.casefold()]):
        exact = [task for task in tasks if task["title"].strip().casefold() == wanted]
        if len(exact) == 1:
            return Resolution(task=exact[0], exact=True)
        if len(exact) > 1:
            return Resolution(
                candidates=exact, error=f'Several tasks are called "{exact[0]["title"]}".'
            )

    if len(cleaned) < MIN_FUZZY_LENGTH:
        return Resolution(error=f'I couldn\'t find a task called "{cleaned}".')
    query_words = _words(cleaned)
    scored = sorted(
        ((task, _score(cleaned, query_words, task["title"])) for task in tasks),
        key=lambda pair: pair[1],
        reverse=True,
    )
    plausible = [(task, score) for task, score in scored if score >= MATCH_THRESHOLD]
    if not plausible:
        return Resolution(error=f'I couldn\'t find a task matching "{cleaned}".')
    best, best_score = plausible[0]
    close = [task for task, score in plausible if score > best_score - MATCH_MARGIN]
    if len(close) == 1:
        return Resolution(task=best)
    return Resolution(
        candidates=close[:MAX_CANDIDATES],
        error=f'Several tasks match "{cleaned}".',
    )


async def resolve(
    access: TaskAccess,
    task_id: int | None,
    title: str | None,
    prefer: Callable[[Record], bool] | None = None,
) -> Resolution:
    """Find the user's task by id or by title reference; never another user's task.

    `prefer` narrows a tie (e.g. "complete buy milk" prefers the pending "buy milk" when a done one
    with the same name also exists); it never turns a miss into a hit.
    """
    if task_id is not None:
        task = await access.get(task_id)
        if task is None:
            return Resolution(error=f"There is no task #{task_id}.")
        return Resolution(task=task, exact=True)
    resolution = match(title or "", await access.all())
    if resolution.task is None and prefer is not None and resolution.candidates:
        preferred = [task for task in resolution.candidates if prefer(task)]
        if len(preferred) == 1:
            return Resolution(task=preferred[0])
    return resolution
