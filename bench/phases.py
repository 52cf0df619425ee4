"""
Where the API list's instructions go, phase by phase: the same counting as bench/instructions.py (two
runs under valgrind, the difference divided by the extra repetitions), of one part of an answer alone.

    .venv/bin/python bench/phases.py read build serialize fields

- `read`: a page of 25 rows as the API's list reads them (`as_shown()`, by key);
- `build`: building and compiling that query's SQL, without running it;
- `serialize`: `CommitmentSerializer` over those rows, already read;
- `fields`: building the serializer's fields and its nested serializers' (part of `serialize`).

Against the benchmark's database (run bench/run.py once to fill it), in English. About two minutes a
phase on this project's machine.
"""

import argparse

from instructions import per_repetition
from run import PYTHON

DRIVE = """
import sys
import django
django.setup()
from django.test import RequestFactory
from django.utils import translation
from rest_framework.request import Request
from tracker.api.serializers import CommitmentSerializer
from tracker.models import Commitment
from tracker.models.querysets import in_order

translation.activate("en")
phase, count = sys.argv[1], int(sys.argv[2])
pks = list(Commitment.objects.public().order_by("pk").values_list("pk", flat=True)[:25])
context = {"request": Request(RequestFactory().get("/api/commitments/"))}
rows_of = lambda: Commitment.objects.as_shown()
rows = in_order(rows_of(), pks)

def fields():
    serializer = CommitmentSerializer(rows, many=True, context=context)
    for name in ("owners", "deadlines", "targets"):
        serializer.child.fields[name].child.fields

phases = {
    "read": lambda: in_order(rows_of(), pks),
    "build": lambda: rows_of().filter(pk__in=pks).query.get_compiler("default").as_sql(),
    "serialize": lambda: CommitmentSerializer(rows, many=True, context=context).data,
    "fields": fields,
}
for _ in range(5 + count):
    phases[phase]()
"""

PHASES = ("read", "build", "serialize", "fields")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("phases", nargs="+", choices=PHASES)
    parser.add_argument("--few", type=int, default=3)
    parser.add_argument("--many", type=int, default=13)
    options = parser.parse_args()
    print(f"{'phase':12} {'instructions a page':>20}")
    for phase in options.phases:
        cost = per_repetition(
            lambda count, phase=phase: [PYTHON, "-c", DRIVE, phase, str(count)], options.few, options.many
        )
        print(f"{phase:12} {cost:>20,.0f}", flush=True)


if __name__ == "__main__":
    main()
