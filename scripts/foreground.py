"""Run a command (`make run`'s honcho) so that Ctrl-C stops it cleanly, with exit status 0.

Ctrl-C sends SIGINT to the terminal's foreground process group. Under make that group holds
make itself, and make answers SIGINT by dying with "*** Interrupt" (status 130) whatever its
recipe does. So the command runs in a process group of its own that is made the terminal's
foreground group: Ctrl-C reaches the command (honcho stops the web server, the worker and beat)
and not make, and a stop by Ctrl-C is reported as success. Without a terminal (CI, a service
manager) the command simply replaces this process.

Usage: python scripts/foreground.py COMMAND [ARG ...]
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys

STOPPED_BY_CTRL_C = {130, -signal.SIGINT, -signal.SIGTERM}


def controlling_terminal() -> int | None:
    """The terminal's descriptor when this process is in its foreground group, else None."""
    try:
        terminal = os.open("/dev/tty", os.O_RDWR)
    except OSError:
        return None
    if os.tcgetpgrp(terminal) != os.getpgrp():
        os.close(terminal)
        return None
    return terminal


def main(command: list[str]) -> int:
    if not command:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    terminal = controlling_terminal()
    if terminal is None:
        os.execvp(command[0], command)  # noqa: S606 # nosec B606 - the Makefile's own command
    # Handing the terminal over from a background group would stop this process (SIGTTOU).
    signal.signal(signal.SIGTTOU, signal.SIG_IGN)
    child = subprocess.Popen(command, process_group=0)  # noqa: S603 # nosec B603
    try:
        os.tcsetpgrp(terminal, child.pid)
        status = child.wait()
    finally:
        os.tcsetpgrp(terminal, os.getpgrp())
        os.close(terminal)
    return 0 if status in STOPPED_BY_CTRL_C else status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
