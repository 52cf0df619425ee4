"""
How each address's cost grows with the data: every public address and API list loaded uncached on the
benchmark's synthetic data (1×) and on ten times that (10×: 100,000 commitments, 2,000,000 updates),
in alternating rounds so that the machine's drift touches both alike, then the ratio of their
requests a second. Also the list page's weight and the steady reminder sweep at both sizes.

    .venv/bin/python bench/growth.py            # fills bench_x10 first (some 10 minutes) if empty

The target (issue #23): at 10× every address answers at least a third as many requests a second as at
1×, the list page weighs the same, and the steady sweep grows at most linearly (×10). Results go to
bench/results/growth-<time>.json. Like run.py, this measures and asserts nothing.
"""

import argparse
import datetime
import json
import os
import signal
import statistics
import subprocess
import urllib.request

from run import DATABASE_URL, PYTHON, ROOT, environment, load, prepare, serve, sweep

TARGET = 1 / 3
PAGE = 25  # the list's and the API's page size
ADDRESSES = [
    ("home", "/en/"),
    ("commitments", "/en/commitments/"),
    ("commitments, last page", "/en/commitments/?page={last}"),
    ("commitments, 2 filters + search", "/en/commitments/?axis=governance&status=in_progress&q=data"),
    ("commitment", "/en/commitments/syn-5000/"),
    ("owner with ~1 % of commitments", "/en/owners/{owner}/"),
    ("overdue", "/en/overdue/"),
    ("overdue, last page", "/en/overdue/?page={overdue_last}"),
    ("API list", "/api/commitments/"),
    ("API list, last page", "/api/commitments/?page={last}"),
    ("API detail", "/api/commitments/syn-5000/"),
    ("API deadlines", "/api/deadlines/"),
    ("API updates", "/api/updates/"),
    ("Atom feed", "/en/feeds/updates.atom"),
    ("iCalendar", "/en/calendar.ics"),
]
# What each database's addresses fill in: its last pages, and an owner taking part in 1 % of the
# commitments. No synthetic owner does (the busiest hold some 30 roles): BIG_OWNER is made a supporter
# of every hundredth commitment, once.
BIG_OWNER = "syn-owner-7"
FACTS = f"""
from tracker.choices import Role
from tracker.models import Commitment, Involvement, Owner
from tracker.public.views import OVERDUE_LISTED
public = Commitment.objects.public()
total = public.count()
owner = Owner.objects.get(slug="{BIG_OWNER}")
taken = set(owner.involvements.values_list("commitment_id", flat=True))
hundredths = public.order_by("pk").values_list("pk", flat=True)[::100]
Involvement.objects.bulk_create(
    Involvement(commitment_id=pk, owner=owner, role=Role.SUPPORTER) for pk in hundredths if pk not in taken
)
owned = owner.involvements.filter(commitment__is_public=True).count()
overdue = min(public.overdue().count(), OVERDUE_LISTED)  # the overdue page lists this many at most
print(f"FACTS {{total}} {BIG_OWNER} {{owned}} {{overdue}}")
"""


def facts(url: str) -> dict:
    env = {**environment(), "DATABASE_URL": url}
    output = subprocess.run(
        [PYTHON, "manage.py", "shell", "-v", "0", "-c", FACTS], cwd=ROOT, env=env, check=True,
        capture_output=True, text=True,
    ).stdout  # fmt: skip
    total, owner, owned, overdue = next(
        line for line in output.splitlines() if line.startswith("FACTS")
    ).split()[1:]
    return {
        "commitments": int(total),
        "owner": owner,
        "owner_commitments": int(owned),
        "last": -(-int(total) // PAGE),
        "overdue_last": max(-(-int(overdue) // PAGE), 1),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3, help="Alternating rounds per address.")
    parser.add_argument("--seconds", type=int, default=5, help="Load per address and round.")
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1)
    parser.add_argument(
        "--only", help="Measure only the addresses whose label contains one of these words (comma-separated)."
    )
    parser.add_argument("--no-sweep", action="store_true", help="Leave out the reminder sweeps.")
    options = parser.parse_args()
    large = DATABASE_URL.rsplit("/", 1)[0] + f"/bench_x{options.scale}"
    sizes = {"1x": DATABASE_URL, f"{options.scale}x": large}
    setup = {"1x": prepare(argparse.Namespace(reseed=False))}
    setup[f"{options.scale}x"] = prepare(argparse.Namespace(reseed=False), url=large, scale=options.scale)
    known = {size: facts(url) for size, url in sizes.items()}
    servers = {
        size: serve(options.workers, 8770 + n, DATABASE_URL=url, PAGE_CACHE="0")
        for n, (size, url) in enumerate(sizes.items())
    }
    ports = {size: 8770 + n for n, size in enumerate(sizes)}
    rows = {}
    try:
        for label, template in ADDRESSES:
            if options.only and not any(word in label for word in options.only.split(",")):
                continue
            rates = {size: [] for size in sizes}
            for _round in range(options.rounds):
                for size in sizes:  # alternating: 1×, 10×, 1×, 10×…
                    url = f"http://127.0.0.1:{ports[size]}{template.format(**known[size])}"
                    load(url, 1, options.connections)  # warm-up
                    rates[size].append(load(url, options.seconds, options.connections)["rps"])
            small, big = (statistics.median(rates[size]) for size in sizes)
            rows[label] = {"rps": rates, "ratio": round(big / small, 3) if small else None}
            met = "met" if small and big / small >= TARGET else "NOT MET"
            print(
                f"{label:<36}{small:>9.1f}{big:>9.1f}{big / small if small else 0:>8.2f}  {met}", flush=True
            )
        weights = {}
        for size in sizes:
            with urllib.request.urlopen(f"http://127.0.0.1:{ports[size]}/en/commitments/") as response:
                weights[size] = len(response.read())
    finally:
        for server in servers.values():
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
    print(f"\nlist page weight (bytes): {weights}")
    sweeps = {}
    for size, url in ({} if options.no_sweep else sizes).items():
        sweep("first", DATABASE_URL=url)
        sweeps[size] = sweep(DATABASE_URL=url)
        print(
            f"steady sweep at {size}: {sweeps[size]['seconds']:.1f} s, {int(sweeps[size]['queries'])} queries"
        )
    results = {
        "when": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "settings": vars(options),
        "setup": setup,
        "data": known,
        "addresses": rows,
        "list_page_bytes": weights,
        "steady_sweep": sweeps,
    }
    folder = ROOT / "bench" / "results"
    folder.mkdir(exist_ok=True)
    path = folder / f"growth-{results['when'].replace(':', '')}.json"
    path.write_text(json.dumps(results, indent=2))
    print(f"\nResults: {path.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
