"""What a process loads at start, kept out of the cyclic garbage collector's walks.

A compute worker holds about 730,000 objects once its models, knowledge index and word
lists are loaded, and the serving process imports the same libraries. Python's full
collection walks every one of them, and it comes whenever enough objects have outlived
the younger generations: in a warmed worker one full collection took 387 ms, during
which every turn on that worker waits (`benchmarks/gc_pause.py`). Those objects live
as long as the process, so once it is ready they are frozen (`gc.freeze`): later
collections walk only what the turns since have left behind. An object frozen that
becomes garbage later is still freed by its reference count; only a cycle among such
objects would stay, and startup builds none that it drops.
"""

import gc


def freeze_what_startup_loaded() -> None:
    """Collect what startup left as garbage, then freeze everything that remains."""
    gc.collect()
    gc.freeze()
