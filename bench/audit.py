"""The cost of the audit hash chain (duban/audit/chain.py): writing an event (one
transaction each, the head taken with a conditional UPDATE), writing from several
threads at once, and `verify` reading the whole chain back with the key.

    .venv/bin/python bench/audit.py [--quick] [--postgres]

SQLite in a temporary DUBAN_DATA_DIR (DATABASE_URL ignored), or with --postgres a fresh
database duban_bench_audit on postgres://postgres@127.0.0.1:5432 (dropped after).
Ends with lines ``name_<size>: value unit``.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="1,000 events instead of 20,000")
    parser.add_argument("--postgres", action="store_true", help="on PostgreSQL (127.0.0.1:5432) instead of SQLite")
    args = parser.parse_args()
    n = 1000 if args.quick else 20000
    threads, per_thread = 4, (100 if args.quick else 1000)

    work = Path(tempfile.mkdtemp(prefix="duban-bench-audit-"))
    os.environ["DUBAN_DATA_DIR"] = str(work)
    os.environ.setdefault("DUBAN_MASTER_KEY", "ab" * 32)
    vendor = "postgresql" if args.postgres else "sqlite"
    if args.postgres:
        import psycopg

        with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "duban_bench_audit" WITH (FORCE)')
            conn.execute('CREATE DATABASE "duban_bench_audit"')
        os.environ["DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/duban_bench_audit"
    else:
        os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "duban.settings"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from duban.audit import chain
    from duban.audit.log import record

    try:
        call_command("migrate", verbosity=0, interactive=False)
        times = []
        for i in range(n):
            t0 = time.perf_counter()
            record("bench.write", summary=f"第{i}次", after={"i": i, "text": "进展情况" * 10})
            times.append(time.perf_counter() - t0)

        errors: list[BaseException] = []

        def writer(k: int) -> None:
            try:
                for i in range(per_thread):
                    record("bench.race", summary=f"{k}-{i}")
            except BaseException as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                connection.close()

        t0 = time.perf_counter()
        workers = [threading.Thread(target=writer, args=(k,)) for k in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        concurrent_s = time.perf_counter() - t0
        if errors:
            raise SystemExit(f"concurrent writers failed: {errors[:3]}")

        t0 = time.perf_counter()
        report = chain.verify()
        verify_s = time.perf_counter() - t0
        if not report.ok:
            raise SystemExit(f"the chain does not verify: {report.problems[:3]}")
        total = report.checked
        print(f"[bench] {vendor}: {n} events one by one, {threads}×{per_thread} concurrently, "
              f"{total} verified", file=sys.stderr)
        print(f"audit_record_p50_{vendor}_{n}: {statistics.median(times) * 1000:.2f} ms")
        print(f"audit_record_p95_{vendor}_{n}: {sorted(times)[int(len(times) * 0.95)] * 1000:.2f} ms")
        print(f"audit_concurrent_{vendor}_{threads}x{per_thread}: {threads * per_thread / concurrent_s:.0f} events/s")
        print(f"audit_verify_{vendor}_{total}: {total / verify_s:.0f} rows/s")
    finally:
        connection.close()
        if args.postgres:
            import psycopg

            with psycopg.connect("host=127.0.0.1 port=5432 user=postgres dbname=postgres", autocommit=True) as conn:
                conn.execute('DROP DATABASE IF EXISTS "duban_bench_audit" WITH (FORCE)')


if __name__ == "__main__":
    main()
