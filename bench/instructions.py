"""
What one request costs in instructions, counted by valgrind (callgrind) rather than timed: a figure that
stays put when the machine's speed does not, to compare two versions of a page.

    .venv/bin/python bench/instructions.py /en/commitments/syn-5000/ /api/commitments/syn-5000/

Against the benchmark's database (run bench/run.py once to fill it), page cache off, in one Python
process with Django's test client. Each address is read twice under valgrind, once with --few requests
and once with --many after the same warm-up, so that the difference divided by the extra requests is
one request's cost with start-up and warm-up taken out. Only the Python process is counted: the work
PostgreSQL does in its own process is not. On this project's machine one address takes about 3 minutes
(valgrind runs Python some 50 times slower); two runs of the same code agreed within 0.1 %.
"""

import argparse
import re
import shutil
import subprocess
import sys

from run import PYTHON, ROOT, environment

# Run under valgrind: warm up, then read the address `count` times, stopping at the first bad answer.
DRIVE = """
import sys
import django
django.setup()
from django.test import Client
path, warm, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
client = Client()
for _ in range(warm + count):
    status = client.get(path).status_code
    if status != 200:
        sys.exit(f"{path} answered {status}")
"""


def collected_by(command: list[str]) -> int:
    """Return the instructions valgrind counted for a Python process run as `command`."""
    env = {**environment(), "PAGE_CACHE": "0", "ALLOWED_HOSTS": "testserver"}
    env["DJANGO_SETTINGS_MODULE"] = "summit.settings"  # no query-count header (bench/settings.py)
    # One hash seed for every run: a random one moves the count of Django's start-up by millions,
    # more than a small phase's repetitions add (bench/phases.py).
    env["PYTHONHASHSEED"] = "0"
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    result = subprocess.run([*valgrind, *command], cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(result.stderr[-2000:])
    return int(re.search(r"Collected : ([\d,]+)", result.stderr)[1].replace(",", ""))


def per_repetition(command, few: int, many: int) -> float:
    """
    Return what one repetition costs: the process `command(count)` counted with `few` and with `many`
    repetitions, the difference divided by the extra ones (start-up and warm-up cancel out).
    """
    if not shutil.which("valgrind"):
        sys.exit(f"{sys.argv[0]} needs valgrind (apt-get install valgrind)")
    return (collected_by(command(many)) - collected_by(command(few))) / (many - few)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", help="Addresses to read, e.g. /en/commitments/syn-5000/")
    parser.add_argument(
        "--warm", type=int, default=15, help="Requests made first in both runs (caches filled)."
    )
    parser.add_argument("--few", type=int, default=5)
    parser.add_argument("--many", type=int, default=20)
    options = parser.parse_args()
    print(f"{'address':40} {'instructions a request':>24}")
    for path in options.paths:
        cost = per_repetition(
            lambda count, path=path: [PYTHON, "-c", DRIVE, path, str(options.warm), str(count)],
            options.few,
            options.many,
        )
        print(f"{path:40} {cost:>24,.0f}", flush=True)


if __name__ == "__main__":
    main()
