"""A prompt that fits (issue #17; not a test, not in CI): one journal session of many turns with long
replies against a small context, and the largest prompt sent.

    python bench/bench_prompt_fit.py                              # 50 turns, 2,048 tokens, 2,000 entries
    python bench/bench_prompt_fit.py --context 8192 --turns 50 --entries 2000

The journal mode's ``context_length`` is set the way a person sets it, in the config file of a
temporary HOME (``[modes.journal] context_length = N``). Every turn holds the stand-in Ollama's
long-reply marker, so each reply is ~4.7k characters, and passes this session's earlier answered
turns as context the way the app does (``TurnController._context``: the last ``CONTEXT_TURNS``).
For each request, from the ``Recalled`` event (the messages exactly as sent): the conservative
token estimate (``estimate_messages``, which errs high) and the characters, ``num_ctx``, the
memories and earlier turns left out for room, and whether the text was clipped.
Goal: no request exceeds the model's context (estimate ≤ num_ctx). Figures only: exit code 0.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_support import (
    LONG_MARKER,
    Table,
    against_goal,
    bench_run,
    copy_store,
    isolate_this_process,
    median,
    stub_process,
    verdict,
)

TOPICS = ["walked by the river with Sam and felt calm, then tired",
          "worked on the CSV loader again and it is still messy",
          "practised guitar in the kitchen, restless after a long call",
          "planned the move with my sister and felt hopeful",
          "fixed the bike and wondered how to keep the loader's tests fast"]


def bench(turns: int, context_length: int, entries: int, keep: bool) -> None:
    with bench_run("prompt-fit", keep) as (root, children):
        env = isolate_this_process(root)
        data = copy_store(entries, root / "data", children)
        config = Path(env["XDG_CONFIG_HOME"]) / "mindpane" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f"[modes.journal]\ncontext_length = {context_length}\n")

        from tui.runtime.turn_controller import CONTEXT_TURNS
        from tui.services.config import load_config, load_modes
        from tui.services.engine import make_chat, make_turns, open_store
        from tui.services.prompt_budget import reply_reserve
        from tui.services.settings import resolve_settings
        from tui.services.token_estimate import estimate_messages
        from tui.services.turn_events import Recalled, TurnDone, TurnFailed

        loaded = load_config()
        if loaded.problems:
            raise RuntimeError(f"config problems: {loaded.problems}")
        modes = load_modes(loaded)
        journal = modes["journal"]
        with stub_process(children, env, delay=0.0) as host:
            settings = resolve_settings(data_dir=data, env={**env, "OLLAMA_HOST": host}, config=loaded)
            store = open_store(settings)
            try:
                service = make_turns(store, make_chat(settings), settings, modes)
                session: list[tuple[str, str]] = []
                rows, failed, long_replies = [], 0, 0
                for n in range(turns):
                    text = f"Day {n + 1}: {TOPICS[n % len(TOPICS)]}. {LONG_MARKER}"
                    context = session[-CONTEXT_TURNS:]
                    reply = None
                    for event in service.run(journal, text, context):
                        if isinstance(event, Recalled):
                            rows.append({
                                "tokens": estimate_messages(event.messages),
                                "chars": sum(len(m.get("content", "")) for m in event.messages),
                                "num_ctx": event.options["options"]["num_ctx"],
                                "recalled": len(event.memories), "left_out": len(event.left_out),
                                "turns_sent": len(context) - event.turns_left_out,
                                "turns_left_out": event.turns_left_out, "clipped": event.text_clipped})
                        elif isinstance(event, TurnDone):
                            reply = event.reply
                        elif isinstance(event, TurnFailed):
                            failed += 1
                            print(f"  turn {n + 1} failed: {event.error}", flush=True)
                    if reply is not None:
                        session.append((text, reply))
                        long_replies += len(reply) > 4000
                    r = rows[-1]
                    print(f"  turn {n + 1:2d}: {r['tokens']:5d} est. tokens, {r['chars']:6d} chars, "
                          f"num_ctx {r['num_ctx']}, memories {r['recalled'] - r['left_out']}/{r['recalled']}, "
                          f"earlier turns {r['turns_sent']}/{len(context)}, reply {len(reply or '')} chars",
                          flush=True)
            finally:
                store.close()

    tokens = [r["tokens"] for r in rows]
    largest = max(rows, key=lambda r: r["tokens"])
    num_ctx = largest["num_ctx"]
    budget = num_ctx - reply_reserve(num_ctx)
    over_ctx = sum(r["tokens"] > r["num_ctx"] for r in rows)
    over_budget = sum(r["tokens"] > r["num_ctx"] - reply_reserve(r["num_ctx"]) for r in rows)
    table = Table(f"a prompt that fits — journal, context_length {context_length:,}, {turns} turns with long "
                  f"replies, store {entries:,} entries")
    table.add("turns run (failed)", f"{len(rows)} ({failed})")
    table.add("long replies received", f"{long_replies}/{len(rows)}", "", "the stand-in saw the marker")
    table.add("num_ctx sent", " ".join(map(str, sorted({r["num_ctx"] for r in rows}))))
    table.add("largest prompt sent (est. tokens)", f"{largest['tokens']:,}", f"≤ {budget:,} (num_ctx − reserve)",
              against_goal(largest["tokens"], budget))
    table.add("largest prompt vs num_ctx", f"{largest['tokens']:,}", f"≤ {num_ctx:,}",
              against_goal(largest["tokens"], num_ctx))
    table.add("largest prompt (characters)", f"{max(r['chars'] for r in rows):,}")
    table.add("requests over num_ctx", str(over_ctx), "0", f"goal {verdict(over_ctx == 0)}")
    table.add("requests over num_ctx − reserve", str(over_budget))
    chars = median([r["chars"] for r in rows])
    table.add("median prompt (est. tokens / chars)", f"{median(tokens):,.0f} / {chars:,.0f}")
    table.add("memories left out for room (total)",
              f"{sum(r['left_out'] for r in rows)} of {sum(r['recalled'] for r in rows)} recalled")
    table.add("earlier turns sent (max)", str(max(r["turns_sent"] for r in rows)))
    table.add("earlier turns left out (max)", str(max(r["turns_left_out"] for r in rows)))
    table.add("texts clipped", str(sum(r["clipped"] for r in rows)))
    table.add("stand-in's own prompt count", "n/a", "", "it reports a fixed prompt_eval_count")
    table.print()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="\n\n".join(__doc__.split("\n\n")[1:]))
    parser.add_argument("--turns", type=int, default=50, help="turns in the session (default 50)")
    parser.add_argument("--context", type=int, default=2048, help="the journal's context_length (default 2048)")
    parser.add_argument("--entries", type=int, default=2000, help="entries in the store (default 2000)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    bench(args.turns, args.context, args.entries, args.keep)
    return 0


if __name__ == "__main__":
    sys.exit(main())
