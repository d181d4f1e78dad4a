"""crowd: the immediate-booking path under a crowd, against the real server.

1,000 clients, each a verified citizen with an API token, hold an open connection to
gunicorn (several sync workers, PostgreSQL, Redis for the shared rate limits) and, at the
same moment, each POST /api/v1/bookings for one of the slots of a window service that has
exactly 50 places open for immediate booking. Afterwards the database must hold exactly 50
bookings, and no answer may be a 5xx; the others must be told 409 `full`.

The baseline is the same crowd, the same server and the same tokens on the cheapest
authenticated endpoint, GET /api/v1/bookings (the caller's own bookings: the token lookup
and one indexed query, through the same middleware; nothing written). Ratios: booking
throughput against the baseline's, and booking p99 latency against the baseline's.

Run `python bench/crowd.py` (or `make bench`). It needs PostgreSQL (BENCH_PG_URL, default
postgres://postgres@127.0.0.1:5432/postgres) and uses its own database, fairlane_bench_crowd,
made and dropped here; Redis (BENCH_REDIS_URL, default database 14, emptied first) when it
answers. Without PostgreSQL it says so loudly and exits 0. It exits 1 when the booking count
is not 50 or any answer was a 5xx.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import os
import random
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
CLIENTS = 1000
PLACES = 50
SLOTS = 5  # 5 slots of 10 places
DB_NAME = "fairlane_bench_crowd"
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
# Sync workers hold one database connection each (kept between requests): 2 x cores + 1,
# at most 9, stays far below PostgreSQL's 100 connections that other runs share.
WORKERS = min(2 * (os.cpu_count() or 1) + 1, 9)
WARM_UP = 40  # requests that load every worker's code paths before anything is timed
TIMEOUT = 300.0


@dataclass
class Run:
    statuses: Counter[int]
    latencies: list[float]  # seconds, from sending the request to the end of the answer
    seconds: float  # from the first request sent to the last answer

    @property
    def throughput(self) -> float:
        return sum(self.statuses.values()) / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def server_errors(self) -> int:
        return sum(count for status, count in self.statuses.items() if status >= 500 or status == 0)

    def summary(self) -> str:
        return (
            f"{self.throughput:.0f} req/s, p50 {self.percentile(0.50) * 1000:.0f} ms, "
            f"p99 {self.percentile(0.99) * 1000:.0f} ms, {dict(sorted(self.statuses.items()))}"
        )


# --- PostgreSQL, Redis and the data ---------------------------------------------------------


def database_url(name: str) -> str:
    parts = urlsplit(PG_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


def postgres_reachable() -> bool:
    import psycopg

    try:
        with psycopg.connect(PG_URL, connect_timeout=3):
            return True
    except psycopg.Error:
        return False


def database_recreate() -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DB_NAME}"')


def database_drop() -> None:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')


def redis_flush() -> str:
    """Empty the benchmark's own Redis database; "" when Redis does not answer."""
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).flushdb()
    except redis.RedisError:
        return ""
    return REDIS_URL


def working_day_after(days: int) -> date:
    from django.utils import timezone

    from fairlane.core.workdays import is_office_working_day

    day = timezone.localdate() + timedelta(days=days)
    while not is_office_working_day(day):
        day += timedelta(days=1)
    return day


def world_make() -> tuple[int, list[str]]:
    """The office, its window service with 50 open places, and 1,000 citizens with tokens.
    Returns the service id and one token per citizen."""
    from django.core.management import call_command
    from django.utils import timezone

    from fairlane.accounts.models import ApiToken, Role, User
    from fairlane.bookings.models import ServiceKind
    from fairlane.bookings.tests.hall import hall_make, service_make, slot_publish
    from fairlane.core.testdata import make_id_number, make_mobile

    call_command("migrate", verbosity=0)
    call_command("load_calendar", verbosity=0, stdout=io.StringIO())
    hall = hall_make()  # office, clerk and supervisor through the services
    service = service_make(hall.office, kind=ServiceKind.WINDOW, item_code="MV-TRANSFER")
    day = working_day_after(3)
    for hour in range(9, 9 + SLOTS):
        slot_publish(hall, day, hour=hour, capacity=PLACES // SLOTS, service=service)

    # Set-up only, not the path measured: 1,000 verified citizens and their API tokens as
    # bulk rows. Registering each through accounts.services would take an SMS code and a
    # password hash per person; the tokens are stored as the service stores them (SHA-256).
    rng = random.Random(5)
    now = timezone.now()
    ids: set[str] = set()
    phones: set[str] = set()
    while len(ids) < CLIENTS:
        ids.add(make_id_number(rng))
    while len(phones) < CLIENTS:
        phones.add(make_mobile(rng))
    people = User.objects.bulk_create(
        [
            User(
                name="王小明",
                id_number=id_number,
                phone=phone,
                role=Role.CITIZEN,
                password="!",  # unusable: these people only use their token  # noqa: S106
                identity_verified_at=now,
            )
            for id_number, phone in zip(sorted(ids), sorted(phones), strict=True)
        ]
    )
    tokens = [secrets.token_urlsafe(32) for _ in people]
    ApiToken.objects.bulk_create(
        [
            ApiToken(
                user=person,
                key_hash=hashlib.sha256(token.encode()).hexdigest(),
                expires_at=now + timedelta(days=1),
            )
            for person, token in zip(people, tokens, strict=True)
        ]
    )
    return service.pk, tokens


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def server_start(port: int, redis_url: str, log: IO[bytes]) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "fairlane.settings",
        "DATABASE_URL": database_url(DB_NAME),
        "DB_CONN_MAX_AGE": "60",
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "0",
        "LOG_LEVEL": "ERROR",  # 950 "full" answers are warnings; 5xx are still logged
    }
    command = [
        sys.executable, "-m", "gunicorn", "fairlane.wsgi:application",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(WORKERS),
        "--worker-class", "sync",
        "--backlog", "2048",  # the whole crowd waits in the accept queue, none is refused
        "--timeout", "120",
    ]  # fmt: skip
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603 - our own command line


async def request(port: int, method: str, path: str, token: str, body: bytes = b"") -> tuple[int, bytes]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request_bytes(method, path, token, body))
        await writer.drain()
        return parse(await reader.read())
    finally:
        writer.close()


def request_bytes(method: str, path: str, token: str, body: bytes) -> bytes:
    head = (
        f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


def parse(answer: bytes) -> tuple[int, bytes]:
    """Status and body of a complete HTTP/1.1 answer (the server closes the connection)."""
    head, _, body = answer.partition(b"\r\n\r\n")
    status_line = head.split(b"\r\n", 1)[0].split()
    return (int(status_line[1]) if len(status_line) > 1 else 0), body


async def server_wait(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn stopped while starting")
        try:
            status, _body = await request(port, "GET", "/api/v1/offices", "")
        except OSError:
            await asyncio.sleep(0.2)
            continue
        if status == 200:
            return
        raise RuntimeError(f"the server answers {status} to GET /api/v1/offices")
    raise RuntimeError("gunicorn did not start within a minute")


# --- the crowd -------------------------------------------------------------------------------


async def crowd(port: int, jobs: list[tuple[str, str, str, bytes]]) -> Run:
    """Every job on its own connection, opened first; then all requests sent at once."""
    go = asyncio.Event()
    connected = 0
    all_connected = asyncio.Event()
    first_sent: list[float] = []

    async def client(method: str, path: str, token: str, body: bytes) -> tuple[int, float]:
        nonlocal connected
        streams: tuple[asyncio.StreamReader, asyncio.StreamWriter] | None
        try:
            streams = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            streams = None  # refused at once: counted as a server error below
        connected += 1
        if connected == len(jobs):
            all_connected.set()
        await go.wait()
        sent = time.perf_counter()
        first_sent.append(sent)
        if streams is None:
            return 0, 0.0
        reader, writer = streams
        try:
            writer.write(request_bytes(method, path, token, body))
            await writer.drain()
            status, _body = parse(await reader.read())
            return status, time.perf_counter() - sent
        except OSError:
            return 0, time.perf_counter() - sent  # a dropped connection counts as a server error
        finally:
            writer.close()

    tasks = [asyncio.create_task(client(*job)) for job in jobs]
    await asyncio.wait_for(all_connected.wait(), TIMEOUT)
    go.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks), TIMEOUT)
    ended = time.perf_counter()
    return Run(
        statuses=Counter(status for status, _latency in results),
        latencies=[latency for _status, latency in results],
        seconds=ended - min(first_sent),
    )


async def drive(port: int, service_id: int, tokens: list[str], slot_ids: list[int]) -> tuple[Run, Run]:
    warm = [("GET", "/api/v1/bookings", tokens[n], b"") for n in range(WARM_UP)]
    warm += [("GET", f"/api/v1/bookings/services/{service_id}/slots", tokens[n], b"") for n in range(WARM_UP)]
    await crowd(port, warm)
    baseline = await crowd(port, [("GET", "/api/v1/bookings", token, b"") for token in tokens])
    bookings = await crowd(
        port,
        [
            ("POST", "/api/v1/bookings", token, f'{{"slot_id": {slot_ids[n % len(slot_ids)]}}}'.encode())
            for n, token in enumerate(tokens)
        ],
    )
    return baseline, bookings


def counted_requests() -> dict[str, int]:
    from fairlane.core.counters import counter_days

    names = ["bookings.api.requests", "bookings.api.refused", "bookings.api.throttled"]
    return {name.rsplit(".", 1)[1]: value for name, value in counter_days(names, 1)[0][1].items()}


def bench_crowd() -> int:
    """Run the benchmark; the exit status (0 unless a check failed)."""
    if not postgres_reachable():
        print(
            "*** crowd  SKIPPED: PostgreSQL is not reachable at BENCH_PG_URL "
            f"({urlsplit(PG_URL).netloc}); the crowd benchmark needs it",
            file=sys.stderr,
        )
        return 0
    database_recreate()
    redis_url = redis_flush()
    os.environ["DATABASE_URL"] = database_url(DB_NAME)
    os.environ["DJANGO_SETTINGS_MODULE"] = "fairlane.settings"
    if redis_url:
        os.environ["REDIS_URL"] = redis_url
    import django

    django.setup()
    from django.db import connections

    from fairlane.bookings.models import Booking, BookingStatus, Slot

    try:
        service_id, tokens = world_make()
        slot_ids = list(Slot.objects.filter(service_id=service_id).values_list("pk", flat=True))
        connections.close_all()
        port = free_port()
        with tempfile.TemporaryFile() as log:
            server = server_start(port, redis_url, log)
            try:
                asyncio.run(server_wait(port, server))
                baseline, bookings = asyncio.run(drive(port, service_id, tokens, slot_ids))
            finally:
                server.terminate()
                server.wait(30)
            log.seek(0)
            server_log = log.read().decode(errors="replace")
        made = Booking.objects.filter(service_id=service_id, status=BookingStatus.ACTIVE).count()
        booked = sum(Slot.objects.filter(service_id=service_id).values_list("booked", flat=True))
        counted = counted_requests() if redis_url else {}
        connections.close_all()
    finally:
        database_drop()

    print(
        f"crowd  {CLIENTS:,} clients for {PLACES} places, gunicorn {WORKERS} sync workers, "
        f"{os.cpu_count()} cores, {'Redis' if redis_url else 'local-memory cache (Redis not answering)'}:\n"
        f"  POST /api/v1/bookings  {bookings.summary()}\n"
        f"  GET  /api/v1/bookings  {baseline.summary()} (baseline)\n"
        f"  bookings made {made} (slots say {booked}), 5xx {bookings.server_errors() + baseline.server_errors()}; "
        f"ratio throughput {baseline.throughput / bookings.throughput:.2f}, "
        f"p99 {bookings.percentile(0.99) / baseline.percentile(0.99):.2f}"
    )
    if counted:
        print(f"  monitoring counters (all workers, via Redis): {counted}")
    problems = []
    if made != PLACES or booked != PLACES:
        problems.append(f"{made} bookings made, {booked} places taken: must be exactly {PLACES}")
    if bookings.server_errors() or baseline.server_errors():
        problems.append("server errors (5xx or dropped connections)")
    if set(bookings.statuses) - {201, 409} or bookings.statuses[201] != PLACES:
        problems.append(f"unexpected answers to the bookings: {dict(bookings.statuses)}")
    if problems:
        print("crowd  FAILED: " + "; ".join(problems), file=sys.stderr)
        print(server_log[-4000:], file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> Any:
    sys.path.insert(0, str(ROOT))  # run as a script: bench/ is on the path, the project is not
    return bench_crowd()


if __name__ == "__main__":
    sys.exit(main())
