"""Recall quality on LoCoMo-format conversations and on mindpane's own first-person journal.

    python bench/bench_recall_quality.py ../shared/locomo-dev          # the dev split, both variants
    python bench/bench_recall_quality.py ../shared/locomo-dev --sets third   # third person only

For each conversation (one fresh data dir each, loaded through ``mindpane import``) every question
of categories 1-4 is asked as a journal turn would ask it, without storing it: "now" is a day after
the last session. It prints hit@5 (an answer entry among the 5 recalled), recall@5 (the share of
answer entries among them) and hit@10 per category and overall, for mindpane's recall beside
cosine similarity alone, BM25 alone (lower-cased words, stop words out, no stemming) and their
reciprocal-rank fusion (k=60) in the same run, and the median time of one recall. The protocol is
``../shared/locomo-dev/README.md``'s; ``recall_sets`` reads the data (never copied here).

Sets: ``third`` (the turns as "Speaker: text" entries, questions as LoCoMo asks them), ``first``
(one speaker's turns as their own journal, questions rewritten to "I") and ``own`` (mindpane's
hand-written journal with earlier questions to the journal among its entries).
"""

from __future__ import annotations

import argparse
import math
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_support import REPO, bench_run, isolate_this_process, isolated_env
from recall_sets import Question, QuestionSet, locomo, own_first_person

K = 5
WIDE = 10
RRF_K = 60
METHODS = ("mindpane", "cosine", "bm25", "rrf")


@dataclass
class Scores:
    """Per category: hit@5, recall@5 and hit@10 of each question."""

    hit5: dict[str, list[float]] = field(default_factory=dict)
    recall5: dict[str, list[float]] = field(default_factory=dict)
    hit10: dict[str, list[float]] = field(default_factory=dict)

    def add(self, question: Question, ranked: list[str]) -> None:
        top = set(ranked[:K])
        self.hit5.setdefault(question.category, []).append(float(bool(top & question.evidence)))
        self.recall5.setdefault(question.category, []).append(len(top & question.evidence) / len(question.evidence))
        self.hit10.setdefault(question.category, []).append(float(bool(set(ranked[:WIDE]) & question.evidence)))

    def extend(self, other: Scores) -> None:
        for mine, theirs in ((self.hit5, other.hit5), (self.recall5, other.recall5), (self.hit10, other.hit10)):
            for category, values in theirs.items():
                mine.setdefault(category, []).extend(values)


def percent(values: list[float]) -> float:
    return 100 * sum(values) / len(values) if values else float("nan")


def overall(table: dict[str, list[float]]) -> float:
    return percent([value for values in table.values() for value in values])


# -- the baselines, computed here from the same entries ------------------------------------------

_PLAIN_WORD = re.compile(r"\w+")


def plain_words(text: str) -> list[str]:
    from tui.recall.words import STOP_WORDS

    return [word for word in _PLAIN_WORD.findall(text.lower()) if word not in STOP_WORDS]


class PlainBM25:
    """Okapi BM25 (k1 1.2, b 0.75), lower-cased words, stop words out, no stemming."""

    def __init__(self, docs: list[str]) -> None:
        self.docs = [Counter(plain_words(doc)) for doc in docs]
        self.lengths = [sum(doc.values()) for doc in self.docs]
        self.average = sum(self.lengths) / max(1, len(self.docs))
        frequency: Counter[str] = Counter()
        for doc in self.docs:
            frequency.update(doc.keys())
        n = len(self.docs)
        self.idf = {word: math.log(1 + (n - f + 0.5) / (f + 0.5)) for word, f in frequency.items()}

    def scores(self, query: str) -> list[float]:
        words = set(plain_words(query))
        result = []
        for doc, length in zip(self.docs, self.lengths, strict=True):
            score = 0.0
            for word in words:
                tf = doc.get(word, 0)
                if tf:
                    score += self.idf[word] * tf * 2.2 / (tf + 1.2 * (0.25 + 0.75 * length / self.average))
            result.append(score)
        return result


def ranking(scores: list[float], ids: list[str]) -> list[str]:
    return [ids[i] for i in sorted(range(len(ids)), key=lambda i: -scores[i])[:WIDE]]


def fused(*rankings: list[str]) -> list[str]:
    total: Counter[str] = Counter()
    for ranked in rankings:
        for place, memory_id in enumerate(ranked):
            total[memory_id] += 1 / (RRF_K + place + 1)
    return [memory_id for memory_id, _ in total.most_common(WIDE)]


# -- one set -------------------------------------------------------------------------------------

@dataclass
class Result:
    scores: dict[str, Scores]
    millis: list[float]
    questions_recalled: int = 0
    """Earlier questions to the journal among mindpane's top 5 (own set)."""
    short: int = 0
    """Questions given fewer than 5 memories."""


def measure(question_set: QuestionSet, root: Path) -> Result:
    data = root / "data"
    export = root / "entries.json"
    export.write_text(question_set.export_json(), encoding="utf-8")
    env = isolated_env(root, MINDPANE_DATA_DIR=str(data), TZ="UTC")
    done = subprocess.run([sys.executable, "-m", "tui", "import", str(export), "--mode", "journal"], env=env,
                          cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"mindpane import failed for {question_set.name}:\n{done.stdout}{done.stderr}")

    from tui.domain.modes import JOURNAL
    from tui.services.engine import embedder_factory, make_chat, make_turns, open_store
    from tui.services.settings import Settings

    settings = Settings(data_dir=data)
    store = open_store(settings)
    try:
        turns = make_turns(store, make_chat(settings), settings, clock=lambda: question_set.now)
        texts = [entry.text for entry in question_set.entries]
        ids = [entry.id for entry in question_set.entries]
        kinds = {entry.id: entry.kind for entry in question_set.entries}
        embedder = embedder_factory(settings)()
        import numpy as np

        vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
        asked = np.asarray(embedder.embed([q.text for q in question_set.questions]), dtype=np.float32)
        bm25 = PlainBM25(texts)
        result = Result({method: Scores() for method in METHODS}, [])
        # as a turn asks: the time cue, the mode's floor, no question to the journal (pins: none here)
        top_k, wide_k = (replace(JOURNAL, recall_size=k, pin_limit=0) for k in (K, WIDE))
        turns.memories_for(top_k, "warm up")
        for question, vector in zip(question_set.questions, asked, strict=True):
            started = time.perf_counter()
            top = [memory.record.id for memory in turns.memories_for(top_k, question.text)]
            result.millis.append((time.perf_counter() - started) * 1000)
            wide = [memory.record.id for memory in turns.memories_for(wide_k, question.text)]
            result.scores["mindpane"].add(question, top + [i for i in wide if i not in top])
            result.questions_recalled += sum(kinds.get(memory_id) == "question" for memory_id in top)
            result.short += len(top) < K
            by_cosine = ranking(list(vectors @ vector), ids)
            by_words = ranking(bm25.scores(question.text), ids)
            result.scores["cosine"].add(question, by_cosine)
            result.scores["bm25"].add(question, by_words)
            result.scores["rrf"].add(question, fused(by_cosine, by_words))
        return result
    finally:
        store.close()


# -- the report ----------------------------------------------------------------------------------

Goals = Callable[[dict[str, "Scores"], list["Result"]], list[str]]


def print_group(title: str, results: list[Result], goals: Goals) -> None:
    scores = {method: Scores() for method in METHODS}
    for result in results:
        for method in METHODS:
            scores[method].extend(result.scores[method])
    categories = sorted(scores["mindpane"].hit5)
    millis = [value for result in results for value in result.millis]
    count = sum(len(values) for values in scores["mindpane"].hit5.values())
    print(f"\n{title} — {count} questions; recall p50 {statistics.median(millis):.1f} ms "
          f"(p90 {sorted(millis)[int(0.9 * (len(millis) - 1))]:.1f} ms)")
    head = f"{'':22}" + "".join(f"{category[:11]:>12}" for category in categories) + f"{'overall':>10}"
    for label, pick in (("hit@5", lambda s: s.hit5), ("recall@5", lambda s: s.recall5), ("hit@10", lambda s: s.hit10)):
        print(f"{label}\n{head}")
        for method in METHODS:
            table = pick(scores[method])
            print(f"  {method:20}" + "".join(f"{percent(table[c]):>12.1f}" for c in categories)
                  + f"{overall(table):>10.1f}")
    print(f"  questions given fewer than {K} memories: {sum(r.short for r in results)}")
    for line in goals(scores, results):
        print(f"  goal: {line}")


def _ahead(scores: dict[str, Scores], *others: str) -> bool:
    ours = scores["mindpane"].hit5
    return all(percent(ours[c]) > percent(scores[o].hit5[c]) for o in others for c in ours)


def third_goals(scores: dict[str, Scores], results: list[Result]) -> list[str]:
    ours = scores["mindpane"]
    hit, rec = overall(ours.hit5), overall(ours.recall5)
    temporal, multi = percent(ours.hit5.get("temporal", [])), percent(ours.hit5.get("multi-hop", []))
    mark = {True: "met", False: "MISSED"}
    return [f"hit@5 {hit:.1f} ≥ 75 {mark[hit >= 75]}", f"recall@5 {rec:.1f} ≥ 68 {mark[rec >= 68]}",
            f"temporal {temporal:.1f} ≥ 75 {mark[temporal >= 75]}", f"multi-hop {multi:.1f} ≥ 60 {mark[multi >= 60]}",
            f"ahead of BM25 in every category {mark[_ahead(scores, 'bm25')]}"]


def first_goals(scores: dict[str, Scores], results: list[Result]) -> list[str]:
    hit = overall(scores["mindpane"].hit5)
    ahead = all(hit > overall(scores[other].hit5) for other in ("cosine", "bm25", "rrf"))
    mark = {True: "met", False: "MISSED"}
    return [f"hit@5 {hit:.1f} ≥ 75 {mark[hit >= 75]}", f"ahead of cosine, BM25 and RRF overall {mark[ahead]}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path", type=Path, help="a LoCoMo-format conversation, or a folder of them")
    parser.add_argument("--sets", default="third,first,own", help="which sets: third, first, own (comma-separated)")
    parser.add_argument("--keep", action="store_true", help="keep the data dirs (their paths are printed)")
    args = parser.parse_args()
    files = sorted(args.path.glob("*.json")) if args.path.is_dir() else [args.path]
    wanted = {name.strip() for name in args.sets.split(",")}
    groups: dict[str, list[QuestionSet]] = {}
    if "third" in wanted:
        groups["LoCoMo, third person (each turn an entry)"] = [locomo(path) for path in files]
    if "first" in wanted:
        groups["LoCoMo, first person (speaker A's journal)"] = [locomo(path, first_person=True) for path in files]
    if "own" in wanted:
        groups["mindpane's own first-person journal"] = [own_first_person()]
    started = time.monotonic()
    with bench_run("recall-quality", args.keep) as (root, _children):
        isolate_this_process(root, TZ="UTC")
        time.tzset()
        reports = []
        for title, sets in groups.items():
            results = []
            for number, question_set in enumerate(sets):
                place = root / f"{len(reports)}-{number}"
                place.mkdir()
                print(f"({question_set.name}: {len(question_set.entries)} entries, "
                      f"{len(question_set.questions)} questions)", flush=True)
                results.append(measure(question_set, place))
            reports.append((title, results))
    for title, results in reports:
        goals = third_goals if "third" in title else first_goals if "LoCoMo" in title else own_goals
        print_group(title, results, goals)
    print(f"\n({time.monotonic() - started:.0f} s)")


def own_goals(scores: dict[str, Scores], results: list[Result]) -> list[str]:
    """The first-person goals, and: no earlier question to the journal is recalled as a memory."""
    recalled = sum(result.questions_recalled for result in results)
    what = percent(scores["mindpane"].hit5.get("what", []))
    verdict = "met" if recalled == 0 else "MISSED"
    return [*first_goals(scores, results), f"earlier questions to the journal among the top {K}: {recalled} "
            f"(\"what did I write about X\" hit@5 {what:.1f}) {verdict}"]


if __name__ == "__main__":
    main()
