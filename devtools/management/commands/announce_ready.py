"""`make run`'s last word: wait until the web server answers, then print where the portal is
and how to sign in, and stay until `make run` is stopped.

It runs as one more process of `Procfile.dev`, so the lines come after the start-up banners of
the web server, the worker and beat instead of being pushed off the screen by them. honcho
stops every process when one ends, so this one waits for the stop signal rather than exiting.
"""

import signal
import time
import urllib.error
import urllib.request

from django.core.management.base import BaseCommand

from devtools.demo.accounts import sign_in_lines

POLL_SECONDS = 0.5


class Command(BaseCommand):
    help = "Print the portal's address and the demo users once the web server answers."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--url", default="http://127.0.0.1:8000/")
        parser.add_argument(
            "--timeout", type=float, default=120.0, help="Seconds to wait for the web server."
        )
        parser.add_argument(
            "--exit", action="store_true", help="Exit after printing (instead of waiting)."
        )

    def handle(self, *args, **options) -> None:
        url = options["url"]
        if self._wait_for(url, options["timeout"]):
            self.stdout.write(self.style.SUCCESS(f"The portal is ready at {url}"))
        else:
            self.stdout.write(
                self.style.WARNING(f"The web server did not answer at {url} yet; try it shortly.")
            )
        first, *rest = sign_in_lines()
        self.stdout.write(self.style.SUCCESS(first))
        for line in rest:
            self.stdout.write(line)
        self.stdout.write("Press Ctrl-C to stop the web server, the worker and beat.")
        self.stdout.flush()
        if not options["exit"]:
            self._wait_for_stop()

    @staticmethod
    def _wait_for(url: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                # A fixed local address from the command line (http only), never user input.
                with urllib.request.urlopen(url, timeout=2):  # noqa: S310 # nosec B310
                    return True
            except urllib.error.HTTPError:
                return True  # it answered (a redirect to sign in, say): it is serving
            except (urllib.error.URLError, OSError):
                time.sleep(POLL_SECONDS)
        return False

    @staticmethod
    def _wait_for_stop() -> None:
        def stop(signum, frame):
            raise SystemExit(0)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        while True:
            signal.pause()
