"""Benchmark: the content engine against synthetic term lists. Prints JSON.

    .venv/bin/python bench/content.py [--seconds 2]

For lists of 1,000, 10,000 and 100,000 generated entries (one in twenty asking for pinyin),
measures on one core:
- the build of the engine (normalising every entry, pinyin aliases, the automaton) and of
  the raw automaton alone, and the memory the engine holds;
- messages/s for 40-character work messages, and MB/s over long text, for the full pipeline
  (normalise + match + detectors + verdict) and for the raw matcher alone on the same text;
- the longest pause a checking thread sees while a 100,000-entry engine is rebuilt beside it;
- on the labelled corpus: violations caught by the raw matcher and by the engine, and how
  many more 40-character windows of ordinary text the separator removal makes hit.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import threading
import time
from pathlib import Path
from typing import Any

import ahocorasick_rs
import yaml

from qunguan.moderation import ContentEngine, TermEntry, TermList, default_lists
from qunguan.moderation.normalise import normalise
from qunguan.policy.presets import load_preset

CORPUS = Path(__file__).parents[1] / "tests" / "data" / "content_corpus.yaml"
COMMON = (
    "的一是了我不人在他有这个上们来到时大地为子中你说生国年着就那和要她出也得里后自以会家可下而过"
    "天去能对小多然于心学么之都好看起发当没成只如事把还用第样道想作种开美总从无情己面最女但现前些所"
    "同日手又行意动方期它头经长儿回位分爱老因很给名法间斯知世什两次使身者被高已亲其进此话常与活正感"
)
CATEGORIES = ("political", "obscene", "violent", "gambling-fraud", "advertising", "abusive")


def _word(rng: random.Random) -> str:
    length = rng.choice((2, 3, 3, 4, 4, 5, 6))
    if rng.random() < 0.5:  # words of everyday characters, like real lists hold
        return "".join(rng.choice(COMMON) for _ in range(length))
    return "".join(chr(rng.randint(0x4E00, 0x9FA5)) for _ in range(length))


def synthetic_lists(n: int, seed: int = 7) -> list[TermList]:
    rng = random.Random(seed)
    words: set[str] = set()
    while len(words) < n:
        words.add(_word(rng))
    by_category: dict[str, list[TermEntry]] = {c: [] for c in CATEGORIES}
    for i, w in enumerate(sorted(words)):
        category = CATEGORIES[i % len(CATEGORIES)]
        by_category[category].append(TermEntry(w, category, pinyin=i % 20 == 0))
    return [TermList(c, tuple(e)) for c, e in by_category.items()]


def messages(count: int, seed: int = 11) -> list[str]:
    ordinary = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["ordinary"]
    text = "".join(ordinary)
    rng = random.Random(seed)
    return [text[(s := rng.randrange(len(text) - 40)) : s + 40] for _ in range(count)]


def long_text(size_chars: int, seed: int = 13) -> str:
    ordinary = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))["ordinary"]
    rng = random.Random(seed)
    parts: list[str] = []
    total = 0
    while total < size_chars:
        line = rng.choice(ordinary)
        parts.append(line)
        total += len(line) + 1
    return "\n".join(parts)


def rss_bytes() -> int:
    with open("/proc/self/statm", encoding="ascii") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def rate(fn: Any, items: list[str], seconds: float) -> float:
    """Items per second, over as many passes as fit in ``seconds`` (at least one)."""
    done = 0
    start = time.perf_counter()
    while True:
        for item in items:
            fn(item)
        done += len(items)
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return done / elapsed


def measure(n: int, msgs: list[str], text: str, seconds: float) -> dict[str, Any]:
    policy = load_preset("s2")
    settings = policy.settings
    lists = synthetic_lists(n)
    gc.collect()
    before = rss_bytes()
    start = time.perf_counter()
    engine = ContentEngine.from_lists(lists)
    build = time.perf_counter() - start
    memory = rss_bytes() - before
    patterns = engine.automaton.patterns
    start = time.perf_counter()
    ahocorasick_rs.AhoCorasick(patterns)
    raw_build = time.perf_counter() - start
    raw = engine.automaton.raw
    assert raw is not None

    def raw_match(m: str) -> object:
        return raw.find_matches_as_indexes(m, overlapping=True)

    def full(m: str) -> object:
        return engine.check(m, policy, settings)

    mb = len(text.encode("utf-8")) / 1e6
    full_msgs = rate(full, msgs, seconds)
    raw_msgs = rate(raw_match, msgs, seconds)
    return {
        "entries": n,
        "automaton_patterns": len(patterns),
        "build_engine_s": round(build, 3),
        "build_raw_automaton_s": round(raw_build, 3),
        "engine_memory_mb": round(memory / 1e6, 1),
        "full_pipeline_msgs_per_s": round(full_msgs),
        "raw_matcher_msgs_per_s": round(raw_msgs),
        "full_over_raw": round(full_msgs / raw_msgs, 3),
        "full_pipeline_mb_per_s": round(rate(full, [text], seconds) * mb, 2),
        "raw_matcher_mb_per_s": round(rate(raw_match, [text], seconds) * mb, 2),
    }


def rebuild_pause(msgs: list[str]) -> dict[str, float]:
    """The longest gap between two checks of a thread while another thread rebuilds."""
    policy = load_preset("s2")
    engine = ContentEngine.default()
    lists = synthetic_lists(100_000, seed=3)
    gaps: list[float] = []
    stop = threading.Event()

    def checking() -> None:
        last = time.perf_counter()
        i = 0
        while not stop.is_set():
            engine.check(msgs[i % len(msgs)], policy, policy.settings)
            i += 1
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    worker = threading.Thread(target=checking)
    worker.start()
    time.sleep(0.2)
    gaps.clear()
    start = time.perf_counter()
    ContentEngine.from_lists(lists)
    rebuild = time.perf_counter() - start
    stop.set()
    worker.join()
    return {"rebuild_s": round(rebuild, 3), "longest_check_pause_s": round(max(gaps), 3)}


def quality() -> dict[str, Any]:
    corpus = yaml.safe_load(CORPUS.read_text(encoding="utf-8"))
    policy = load_preset("s2")
    engine = ContentEngine.default()
    entries = [e.text for t in default_lists() for e in t.entries]
    raw = ahocorasick_rs.AhoCorasick(entries)
    violations = corpus["violations"]
    caught_raw = sum(1 for v in violations if raw.find_matches_as_indexes(v["text"]))
    caught = sum(
        1 for v in violations if not engine.check(v["text"], policy, policy.settings).passed
    )
    stopped = sum(
        1 for m in corpus["ordinary"] if not engine.check(m, policy, policy.settings).passed
    )
    # New hits from separator removal: windows of ordinary text with a hit in the view
    # without removal (folded only) against the view with it, over a 10,000-entry list.
    windows = messages(20_000, seed=5)
    synthetic = ContentEngine.from_lists(synthetic_lists(10_000))
    automaton = synthetic.automaton
    folded_hits = sum(1 for w in windows if automaton.find(w.lower()))
    normal_hits = sum(1 for w in windows if automaton.find(normalise(w).keyed))
    return {
        "corpus_violations": len(violations),
        "caught_by_raw_matcher": caught_raw,
        "caught_by_engine": caught,
        "ordinary_messages": len(corpus["ordinary"]),
        "ordinary_stopped": stopped,
        "windows_40_chars": len(windows),
        "windows_hit_without_separator_removal": folded_hits,
        "windows_hit_with_separator_removal": normal_hits,
        "new_hit_share": round((normal_hits - folded_hits) / len(windows), 5),
    }


def pyahocorasick_raw(msgs: list[str], seconds: float) -> dict[str, Any] | None:
    """The other library, when installed (``pip install pyahocorasick``), on the same lists."""
    try:
        import ahocorasick  # type: ignore[import-not-found]
    except ImportError:
        return None
    out: dict[str, Any] = {}
    for n in (1_000, 10_000, 100_000):
        patterns = ContentEngine.from_lists(synthetic_lists(n)).automaton.patterns
        start = time.perf_counter()
        automaton = ahocorasick.Automaton()
        for i, p in enumerate(patterns):
            automaton.add_word(p, i)
        automaton.make_automaton()
        build = time.perf_counter() - start
        out[str(n)] = {
            "build_s": round(build, 3),
            "msgs_per_s": round(rate(lambda m, a=automaton: list(a.iter(m)), msgs, seconds)),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args()
    msgs = messages(5_000)
    text = long_text(500_000)
    start = time.perf_counter()
    ContentEngine.default()
    first = time.perf_counter() - start
    report = {
        "message_chars": 40,
        "long_text_mb": round(len(text.encode("utf-8")) / 1e6, 2),
        "first_engine_s": round(first, 3),
        "lists": [measure(n, msgs, text, args.seconds) for n in (1_000, 10_000, 100_000)],
        "rebuild_100k": rebuild_pause(msgs),
        "quality": quality(),
        "pyahocorasick_raw": pyahocorasick_raw(msgs, args.seconds),
    }
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
