"""Every benchmark, on PostgreSQL, into one Markdown report.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/compliance_bench python -m bench.run [--small] [--output FILE]

The database named in DATABASE_URL is dropped and rebuilt (its name must contain "bench").
Without --small this is issue 7's scale and writes docs/benchmarks.md; --small runs the same
code on a small data set in seconds (CI runs it so that the scripts never silently break; it
does not judge the timings).
"""

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent


def rebuild_database(url: str) -> None:
    import psycopg

    name = urlparse(url).path.lstrip("/")
    if "bench" not in name:
        sys.exit(f"Refusing to drop {name!r}: the benchmark database's name must contain 'bench'.")
    server = url.replace("postgres://", "postgresql://", 1).rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(server, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{name}"')


def setup_django(url: str) -> None:
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="compliance.settings",
        DEBUG="false",
        ENV_FILE="/dev/null",
        ALLOWED_HOSTS="testserver,127.0.0.1",
        HTTPS="false",
        LOG_LEVEL="WARNING",
        PUBLIC_BASE_URL="http://127.0.0.1",  # required with DEBUG off; no QR code is scanned here
    )
    os.environ.setdefault("SECRET_KEY", "benchmark-" + "x" * 50)
    import django

    django.setup()
    from django.conf import settings

    # The test client needs no collectstatic: serve static files from the apps, as in development.
    settings.WHITENOISE_AUTOREFRESH = True
    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--small", action="store_true", help="A small data set, in seconds (for CI).")
    parser.add_argument("--output", type=Path, help="Where to write the report (default: docs/benchmarks.md).")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a throwaway PostgreSQL database whose name contains 'bench'.")
    output = args.output or (ROOT / "docs" / ("benchmarks-small.md" if args.small else "benchmarks.md"))

    rebuild_database(url)
    setup_django(url)
    from django.core.management import call_command

    from bench import checkin, court_report, data, export, mandates, nearby, pages, report, schedule

    scale = data.SMALL if args.small else data.FULL
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"Generating the {scale.name} data set...", file=sys.stderr)
    results = {"scale": scale, "generation": data.generate(scale)}
    # Bulk-loaded meetings have no scheduled occurrences yet: the daily job's refresh builds them.
    print("Schedule window and meetings today...", file=sys.stderr)
    results["schedule"] = schedule.measure(scale.page_runs)
    print("Check-in under gunicorn...", file=sys.stderr)
    results["checkin"] = checkin.measure(url, scale.load_requests)
    print("Nearby meetings...", file=sys.stderr)
    results["nearby"] = nearby.measure(scale.nearby_points)
    print("Staff pages...", file=sys.stderr)
    results["pages"] = pages.measure(scale.page_runs)
    print("Events export...", file=sys.stderr)
    results["export"] = export.measure(url, scale.export_events)
    # Last: the mandates' sessions would change the figures above.
    print("Mandates...", file=sys.stderr)
    mandate_scale = mandates.scale_for(scale.name)
    generation = mandates.generate(mandate_scale)
    results["mandates"] = {**mandates.measure(mandate_scale), "generation": generation}
    results["mandates"]["consistency"] = mandates.consistency()
    mandates.print_results(results["mandates"], generation, out=sys.stderr)
    print("A year's court report as PDF...", file=sys.stderr)
    results["court_report"] = court_report.measure(url, 365 if scale.name == "full" else 30)
    print("\n".join(court_report.describe(results["court_report"])), file=sys.stderr)
    results["total_s"] = time.perf_counter() - started
    results["date"] = dt.datetime.now(dt.UTC)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(report.render(results))
    print(f"Written {output}", file=sys.stderr)
    if results["mandates"]["consistency"]["mismatches"]:
        sys.exit("The bulk-written mandate periods differ from mandates.counting.regenerate's (see the report).")


if __name__ == "__main__":
    main()
