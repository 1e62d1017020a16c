"""A child process for the concurrent-first-open test: opens a Store on a path when told to."""

from __future__ import annotations

import sys


def main() -> None:
    from propositions.store import Store

    path, go = sys.argv[1], sys.argv[2]
    import os
    import time
    while not os.path.exists(go):  # all children start together
        time.sleep(0.001)
    try:
        s = Store(path)
    except Exception as exc:  # noqa: BLE001 - reported to the test
        print(f"error: {exc}")
        return
    print("empty" if s.started_empty else "ok")
    s.close()


if __name__ == "__main__":
    main()
