"""When Python's garbage collector runs in the app: rarely while anything moves on screen.

A full collection walks every object that is tracked: with the store and its libraries loaded that
is most of the process, and it stopped the event loop for 65–150 ms. Four rules:

- once the first frame is drawn, what start-up made is frozen out of the collector's sight
  (:func:`freeze_what_started`): the store's libraries then load in a worker without full
  collections walking Textual's objects over and over while the first keys are typed;
- once the store is open, what it made is frozen out of the collector's sight (:func:`freeze_what_lives_on`);
- young collections come after 10,000 allocations, not 700 (:data:`YOUNG_COLLECTION_AFTER`);
- after a turn ends and no other is running, a full collection runs while the person reads the
  reply (:func:`collect_at_rest`), so the one the allocations would trigger on their own does not
  land in the middle of the next turn (it did: 85 ms while a recall turn ran).
"""

from __future__ import annotations

import gc

YOUNG_COLLECTION_AFTER = 10_000
"""Allocations between two young collections (Python's default: 700). Drawing a streaming reply
makes tens of thousands of short-lived objects a second; with the default, a full collection
still came every half second (20–45 ms each, after the freeze below); with this, none while a
long reply streams, and a young one takes 5–13 ms."""


def freeze_what_started() -> None:
    """After the first frame (the collector was paused for start-up, see ``tui.__main__``): what
    start-up made lives as long as the app; freeze it, collect young objects less often, and turn
    the collector back on."""
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_AFTER, *gc.get_threshold()[1:])
    gc.enable()


def freeze_what_lives_on() -> None:
    """Once the store is open, the objects it and its libraries made (mem0, Chroma, pydantic, the
    model) live as long as the app: move them out of the garbage collector's sight, and collect
    less often. A full collection walked them all every half second while a reply streamed — 65
    to 150 ms with the event loop stopped each time, the largest stalls there were. Only the young
    garbage is collected first: a full collection here stopped the event loop for 40–220 ms, just
    when a send typed while the store opened was being kept, to free a few thousand objects."""
    gc.collect(1)
    gc.freeze()
    gc.set_threshold(YOUNG_COLLECTION_AFTER, *gc.get_threshold()[1:])


def collect_at_rest() -> None:
    """A full collection now, at a moment nothing moves (see the module's docstring)."""
    gc.collect()


def thaw() -> None:
    """The collector as it was: what was frozen can be collected again (the app ran inside a longer
    process, e.g. the tests)."""
    gc.unfreeze()
    gc.set_threshold(*_THRESHOLD_BEFORE)


_THRESHOLD_BEFORE = gc.get_threshold()

COLLECT_AT_REST_AFTER = 1.0
"""Seconds after a turn ends before :func:`collect_at_rest` (if no turn has started meanwhile)."""
