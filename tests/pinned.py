"""`python -m tests.pinned MOMENT ARGS…` runs `passbook ARGS…` as if it were MOMENT.

The clock starts at MOMENT and ticks on (time-machine), so a command-line test means the
same thing whatever the real date. MOMENT is an ISO 8601 date-time with its offset.
"""

import sys

import time_machine

from passbook import cli


def main() -> None:
    moment, *args = sys.argv[1:]
    sys.argv = ["passbook", *args]
    with time_machine.travel(moment, tick=True):
        cli.main()


if __name__ == "__main__":
    main()
