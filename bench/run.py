"""Benchmarks, run on demand (`make bench`): each figure is a ratio to a baseline in the same run.

    python bench/run.py                 # all of them
    python bench/run.py overhead verify # some of them

Absolute times on shared machines are noise, so each benchmark alternates
ours and the baseline over several rounds and reports medians and their ratio.
Prints a Markdown table to paste into the README.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import gc
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import faraday_webhooks as fw
import httpx

ROUNDS = 15
EVENT = "resource.ready_with_update"
HOOK_URL = "https://example.com/hooks"
BODY = {
    "created_at": "2024-09-26T14:27:05.944507+00:00",
    "updated_at": "2024-09-26T14:27:05.944507+00:00",
    "enabled_events": [EVENT],
    "id": "2c1881c4-a0c0-424d-89e1-b481f3cb118c",
    "status": "enabled",
    "url": "https://example.com/hooks",
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
}
rows: list[tuple[str, str, str, str, str]] = []


def per_call(function: Callable[[], Any], calls: int) -> float:
    # CPU time of this process: in-process work is what these benchmarks compare, and
    # other tenants of a shared machine disturb it far less than wall-clock time.
    gc.collect()
    started = time.process_time()
    for _ in range(calls):
        function()
    return (time.process_time() - started) / calls


def alternate(
    ours: Callable[[], float], baseline: Callable[[], float], rounds: int = ROUNDS
) -> tuple[float, float]:
    mine, theirs = [], []
    for _ in range(rounds):
        theirs.append(baseline())
        mine.append(ours())
    return statistics.median(mine), statistics.median(theirs)


def record(name: str, ours: float, baseline: float, unit: str, goal: str) -> None:
    ratio = ours / baseline
    rows.append((name, f"{ours:.4g} {unit}", f"{baseline:.4g} {unit}", f"{ratio:.2f}x", goal))
    print(
        f"{name}: ours {ours:.4g} {unit}, baseline {baseline:.4g} {unit}, "
        f"ratio {ratio:.2f}x (goal {goal})",
        flush=True,
    )


def bench_overhead() -> None:
    payload = json.dumps(BODY).encode()

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(201, content=payload, headers={"content-type": "application/json"})

    raw = httpx.Client(
        transport=httpx.MockTransport(answer), base_url="https://api.faraday.test/v1"
    )
    client = fw.Faraday(
        api_key="sk_bench",
        base_url="https://api.faraday.test/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(answer)),
    )
    body = {"url": "https://example.com/hooks", "enabled_events": [EVENT]}
    headers = {"Authorization": "Bearer sk_bench"}

    def raw_call() -> Any:
        return raw.post("/webhook_endpoints", json=body, headers=headers).json()

    def our_call() -> Any:
        return client.webhooks.create(url="https://example.com/hooks", enabled_events=[EVENT])

    calls = 1000
    per_call(raw_call, 200), per_call(our_call, 200)  # warm up
    ours, baseline = alternate(lambda: per_call(our_call, calls), lambda: per_call(raw_call, calls))
    record(
        "1. create() vs raw httpx.Client.post().json(), MockTransport",
        ours * 1e6,
        baseline * 1e6,
        "µs/call",
        "≤ 1.10x",
    )

    async def async_round(function: Callable[[], Any]) -> float:
        started = time.process_time()
        for _ in range(calls):
            await function()
        return (time.process_time() - started) / calls

    async def run_async() -> tuple[float, float]:
        raw_async = httpx.AsyncClient(
            transport=httpx.MockTransport(answer), base_url="https://api.faraday.test/v1"
        )
        async_client = fw.AsyncFaraday(
            api_key="sk_bench",
            base_url="https://api.faraday.test/v1",
            http_client=httpx.AsyncClient(transport=httpx.MockTransport(answer)),
        )

        async def raw_async_call() -> Any:
            return (await raw_async.post("/webhook_endpoints", json=body, headers=headers)).json()

        async def our_async_call() -> Any:
            return await async_client.webhooks.create(
                url="https://example.com/hooks", enabled_events=[EVENT]
            )

        await async_round(raw_async_call), await async_round(our_async_call)
        mine, theirs = [], []
        for _ in range(ROUNDS):
            theirs.append(await async_round(raw_async_call))
            mine.append(await async_round(our_async_call))
        return statistics.median(mine), statistics.median(theirs)

    ours, baseline = asyncio.run(run_async())
    record(
        "1b. async create() vs raw httpx.AsyncClient, MockTransport",
        ours * 1e6,
        baseline * 1e6,
        "µs/call",
        "≤ 1.10x",
    )


@contextlib.contextmanager
def installed_wheel() -> Iterator[Path]:
    """This package as users get it: the built wheel, installed by pip with bytecode compiled.

    The development install points into the source tree, and where
    PYTHONDONTWRITEBYTECODE is set (as on these machines) every import there
    compiles from source, while httpx in site-packages loads compiled
    bytecode. Timing that would measure the compiler, not the import.
    """
    import tempfile

    root = Path(__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory(prefix="faraday-bench-") as scratch:
        wheels, target = Path(scratch, "dist"), Path(scratch, "site")
        subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(wheels)],
            cwd=root,
            check=True,
            capture_output=True,
        )
        (wheel,) = wheels.glob("*.whl")
        subprocess.run(
            [
                *(sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index"),
                *("--target", str(target), str(wheel)),
            ],
            check=True,
            capture_output=True,
        )
        yield target


def bench_import() -> None:
    with installed_wheel() as site:
        environment = {k: v for k, v in os.environ.items() if k != "PYTHONPROFILEIMPORTTIME"}
        environment["PYTHONPATH"] = str(site)  # ahead of the development install
        where = subprocess.run(
            [sys.executable, "-c", "import faraday_webhooks; print(faraday_webhooks.__file__)"],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        assert where.startswith(str(site)), where
        compiled = len(list(site.glob("faraday_webhooks/__pycache__/*.pyc")))
        print(f"   measuring the installed wheel ({compiled} compiled modules in the package)")

        def cost(statement: str) -> float:
            started = time.perf_counter()
            subprocess.run([sys.executable, "-c", statement], check=True, env=environment)
            return time.perf_counter() - started

        # What a client program pays: the package's names load on first use, so a bare
        # `import faraday_webhooks` would measure nothing; the client is what is used.
        ours_statement = "from faraday_webhooks import Faraday, FaradayError"
        cost(ours_statement), cost("import httpx")  # warm the file cache
        ours, baseline = alternate(
            lambda: cost(ours_statement), lambda: cost("import httpx"), rounds=21
        )
        record(
            "2. python -c 'from faraday_webhooks import Faraday' vs 'import httpx'",
            ours * 1e3,
            baseline * 1e3,
            "ms",
            "≤ 1.5x",
        )
        heavy = subprocess.run(
            [
                sys.executable,
                "-c",
                "import sys; from faraday_webhooks import Faraday; "
                "print(sorted(m for m in ('jsonschema', 'yaml', "
                "'faraday_webhooks.testing', 'faraday_webhooks.cli', 'argparse', "
                "'faraday_webhooks.verify', 'hmac') if m in sys.modules))",
            ],
            env=environment,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        print(f"   heavy modules loaded by the import: {heavy}")

        # The command's start-up, as its console script runs it (faraday_webhooks.cli:main).
        def command(*argv: str) -> float:
            statement = (
                f"import sys; from faraday_webhooks.cli import main; sys.exit(main({list(argv)!r}))"
            )
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", statement],
                check=True,
                env=environment,
                stdout=subprocess.DEVNULL,
            )
            return time.perf_counter() - started

        # The command costs the package and its parser, nothing more (#30).
        parser_statement = "import faraday_webhooks.cli"
        for flag in ("--help", "--version"):
            command(flag)
            ours, baseline = alternate(
                functools.partial(command, flag), lambda: cost(parser_statement), 21
            )
            record(
                f"2c. faraday-webhooks {flag} vs python -c '{parser_statement}'",
                ours * 1e3,
                baseline * 1e3,
                "ms",
                "≤ 1.1x",
            )


def open_descriptors() -> int:
    return len(os.listdir("/proc/self/fd"))


def bench_concurrency() -> None:
    total, in_flight = 2000, 100
    body = {"url": "https://example.com/hooks", "enabled_events": [EVENT]}

    async def run(sandbox: _RemoteSandbox) -> tuple[float, float, int]:
        limits = httpx.Limits(max_connections=in_flight, max_keepalive_connections=in_flight)

        async def drive(send: Callable[[], Any]) -> tuple[float, int]:
            semaphore = asyncio.Semaphore(in_flight)
            failures = 0

            async def one() -> None:
                nonlocal failures
                async with semaphore:
                    try:
                        await send()
                    except Exception:
                        failures += 1

            started = time.perf_counter()
            await asyncio.wait_for(asyncio.gather(*(one() for _ in range(total))), timeout=300)
            return total / (time.perf_counter() - started), failures

        ours_rates, raw_rates, failures = [], [], 0
        for _ in range(3):
            async with httpx.AsyncClient(limits=limits, timeout=60) as raw:
                rate, failed = await drive(lambda: _raw_create(raw, sandbox, body))
                raw_rates.append(rate)
                failures += failed
            sandbox.reset()
            async with (
                httpx.AsyncClient(limits=limits) as pool,
                fw.AsyncFaraday(
                    api_key="sk_bench", base_url=sandbox.base_url, timeout=60, http_client=pool
                ) as client,
            ):
                rate, failed = await drive(
                    lambda: client.webhooks.create(url=HOOK_URL, enabled_events=[EVENT])
                )
                ours_rates.append(rate)
                failures += failed
            sandbox.reset()
        return statistics.median(ours_rates), statistics.median(raw_rates), failures

    # The sandbox runs in its own process: sharing this one's GIL with 100 server threads
    # would measure thread contention, not the client.
    with sandbox_process() as url:
        before = open_descriptors()
        ours, raw, failures = asyncio.run(run(_RemoteSandbox(url)))
        time.sleep(0.2)
        after = open_descriptors()
    record(
        "3. 2,000 async creates, 100 in flight, sandbox over loopback (throughput)",
        ours,
        raw,
        "req/s",
        "≥ 0.9x",
    )
    print(f"   errors: {failures}; open file descriptors before {before}, after {after}")
    rows.append(
        (
            "3b. errors / leaked descriptors in 3.",
            f"{failures} / {after - before}",
            "—",
            "—",
            "0 / 0",
        )
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def sandbox_process() -> Iterator[str]:
    """`faraday-webhooks sandbox` in its own process, with no endpoint limit; yields its URL."""
    port = _free_port()
    command = [
        str(Path(sys.executable).parent / "faraday-webhooks"),
        "sandbox",
        "--port",
        str(port),
        "--api-key",
        "sk_bench",
        "--max-endpoints",
        "0",
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        url = f"http://127.0.0.1:{port}"
        _RemoteSandbox(url).wait_ready()
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


class _RemoteSandbox:
    """Just what the concurrency benchmark needs from a sandbox in another process."""

    def __init__(self, url: str) -> None:
        self.base_url = url + "/v1"
        self.url = url

    def wait_ready(self) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/_sandbox/health").status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.05)
        raise RuntimeError("the sandbox did not start")

    def reset(self) -> None:
        pass  # no endpoint limit, so nothing to clear


async def _raw_create(raw: httpx.AsyncClient, sandbox: _RemoteSandbox, body: dict[str, Any]) -> Any:
    response = await raw.post(
        sandbox.base_url + "/webhook_endpoints",
        json=body,
        headers={"Authorization": "Bearer sk_bench"},
    )
    response.raise_for_status()
    return response.json()


def bench_verify() -> None:
    from standardwebhooks.webhooks import Webhook

    secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    reference = Webhook(secret)
    for size_name, size in (("1 KiB", 1024), ("64 KiB", 64 * 1024)):
        _verify_case(size_name, size, secret, reference)


def _verify_case(size_name: str, size: int, secret: str, reference: Any) -> None:
    event: dict[str, Any] = {
        "timestamp": "2024-09-26T14:27:05.944507+00:00",
        "type": EVENT,
        "data": {
            "account_id": "6f1b9a36-4f3e-4ae4-9b4b-1f1c7b0e5a11",
            "resource_id": "2c1881c4-a0c0-424d-89e1-b481f3cb118c",
            "resource_type": "cohorts",
        },
        "padding": "",
    }
    event["padding"] = "x" * (size - len(json.dumps(event)))
    body = json.dumps(event).encode()
    assert len(body) == size
    headers = fw.sign_webhook(body, secret)
    their_headers = {name.replace("svix-", "webhook-"): value for name, value in headers.items()}
    assert fw.verify_webhook(body, headers, secret).type == EVENT
    assert reference.verify(body, their_headers)["type"] == EVENT
    calls = 3000 if size == 1024 else 600

    def same_work() -> Any:
        # What standardwebhooks' verify does: check the signature, return json.loads(body).
        fw.verify_webhook_signature(body, headers, secret)
        return json.loads(body)

    def ours() -> float:
        return 1 / per_call(same_work, calls)

    def theirs() -> float:
        return 1 / per_call(lambda: reference.verify(body, their_headers), calls)

    mine, baseline = alternate(ours, theirs)
    record(
        f"4. verify_webhook_signature + json.loads vs standardwebhooks verify, {size_name}",
        mine,
        baseline,
        "verifications/s",
        "≥ 1.0x",
    )

    # verify_webhook does more than standardwebhooks: it also builds the typed,
    # schema-checked ResourceEvent (2 UUIDs, a datetime, the generated data model).
    def ours_typed() -> float:
        return 1 / per_call(lambda: fw.verify_webhook(body, headers, secret), calls)

    mine, baseline = alternate(ours_typed, theirs)
    record(
        f"4t. verify_webhook (typed ResourceEvent) vs standardwebhooks verify, {size_name}",
        mine,
        baseline,
        "verifications/s",
        "≥ 1.0x" if size == 1024 else "(more work)",
    )


def bench_sandbox() -> None:
    """Valid creates per second the sandbox serves: 8 client threads, own connections."""
    import threading

    threads, per_thread = 8, 250
    body = {"url": "https://example.com/hooks", "enabled_events": [EVENT]}
    failures: list[int] = []

    def worker(url: str) -> None:
        with httpx.Client(timeout=30) as http:
            for _ in range(per_thread):
                response = http.post(
                    f"{url}/v1/webhook_endpoints",
                    json=body,
                    headers={"Authorization": "Bearer sk_bench"},
                )
                if response.status_code != 201:
                    failures.append(response.status_code)

    with sandbox_process() as url:
        rates = []
        for _ in range(3):
            workers = [threading.Thread(target=worker, args=(url,)) for _ in range(threads)]
            started = time.perf_counter()
            for thread in workers:
                thread.start()
            for thread in workers:
                thread.join()
            rates.append(threads * per_thread / (time.perf_counter() - started))
    rate = statistics.median(rates)
    print(
        f"5. sandbox: {rate:.0f} valid creates/s (8 sync client threads); failures {len(failures)}"
    )
    rows.append(
        (
            "5. sandbox: valid creates served, 8 client threads, loopback",
            f"{rate:.0f} req/s",
            "—",
            "—",
            "state it",
        )
    )


def bench_list_parsing() -> None:
    endpoints = [
        {**BODY, "id": str(uuid.UUID(int=n)), "url": f"https://example.com/hooks/{n}"}
        for n in range(1000)
    ]
    payload = json.dumps(endpoints).encode()

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=payload, headers={"content-type": "application/json"})

    raw = httpx.Client(
        transport=httpx.MockTransport(answer), base_url="https://api.faraday.test/v1"
    )
    client = fw.Faraday(
        api_key="sk_bench",
        base_url="https://api.faraday.test/v1",
        http_client=httpx.Client(transport=httpx.MockTransport(answer)),
    )
    assert len(client.webhooks.list()) == 1000

    def raw_call() -> Any:
        return raw.get("/webhook_endpoints", headers={"Authorization": "Bearer sk_bench"}).json()

    calls = 30
    ours, baseline = alternate(
        lambda: per_call(client.webhooks.list, calls), lambda: per_call(raw_call, calls)
    )
    record(
        "6. list() of 1,000 endpoints (typed, checked) vs raw httpx .get().json(), MockTransport",
        ours * 1e3,
        baseline * 1e3,
        "ms/call",
        "≤ 4.5x",
    )


def bench_dedupe() -> None:
    """Claims per second for each dedupe store against its engine's bare atomic operation."""
    import itertools
    import sqlite3
    import tempfile

    import psycopg
    import redis
    from faraday_webhooks.dedupe import PostgresStore, RedisStore, SQLiteStore

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from engines import postgres_server, redis_server

    numbers = itertools.count()
    calls = 2000

    def compare(name: str, store: Any, bare: Callable[[str], Any]) -> None:
        def claim() -> None:
            # A claim: the one atomic operation that decides first, duplicate or busy.
            store.acquire(f"msg_{next(numbers)}", "token", 60)

        def cycle() -> None:
            # A whole receiver cycle: the claim, then marking the message done.
            message_id = f"msg_{next(numbers)}"
            store.acquire(message_id, "token", 60)
            store.complete(message_id, "token", 3600)

        def bare_call() -> None:
            bare(f"bare_{next(numbers)}")

        per_call(claim, 200), per_call(bare_call, 200)
        ours, baseline = alternate(
            lambda: 1 / per_call(claim, calls), lambda: 1 / per_call(bare_call, calls)
        )
        record(f"7. {name}: claims/s vs the bare operation", ours, baseline, "ops/s", "≥ 0.67x")
        ours, baseline = alternate(
            lambda: 1 / per_call(cycle, calls), lambda: 1 / per_call(bare_call, calls)
        )
        record(
            f"7c. {name}: claim + done/s vs the bare operation",
            ours,
            baseline,
            "ops/s",
            "(two operations)",
        )

    with tempfile.TemporaryDirectory() as folder:
        store = SQLiteStore(Path(folder) / "claims.sqlite3")
        bare_db = sqlite3.connect(Path(folder) / "bare.sqlite3", isolation_level=None)
        bare_db.execute("PRAGMA journal_mode=WAL")
        bare_db.execute("CREATE TABLE t (id TEXT PRIMARY KEY, token TEXT, expires_at REAL)")
        insert = "INSERT INTO t VALUES (?, 'token', 0) ON CONFLICT (id) DO NOTHING"
        compare("SQLite", store, lambda key: bare_db.execute(insert, (key,)))
        store.close()
        bare_db.close()
    with redis_server() as port:
        client = redis.Redis(port=port)
        compare(
            "Redis", RedisStore(client), lambda key: client.set(key, "token", nx=True, px=60000)
        )
        client.close()
    with postgres_server() as conninfo:
        pg_store = PostgresStore(conninfo)
        with psycopg.connect(conninfo, autocommit=True) as bare_pg:
            bare_pg.execute(
                "CREATE TABLE t (id TEXT PRIMARY KEY, token TEXT, expires_at TIMESTAMPTZ)"
            )
            statement = (
                "INSERT INTO t VALUES (%s, 'token', clock_timestamp()) ON CONFLICT (id) DO NOTHING"
            )
            compare("PostgreSQL", pg_store, lambda key: bare_pg.execute(statement, (key,)))
        pg_store.close()


RECEIVER_APPS = """
import os
from faraday_webhooks.dedupe import Deduplicator, MemoryStore
from faraday_webhooks.journal import SQLiteJournal
from faraday_webhooks.receiver import Receiver

receiver = Receiver(os.environ["BENCH_SECRET"], dedupe=Deduplicator(MemoryStore()))
receiver.on_unknown(lambda event: None)
ours = receiver.asgi()
kept = Receiver(
    os.environ["BENCH_SECRET"],
    dedupe=Deduplicator(MemoryStore()),
    journal=SQLiteJournal(os.environ["BENCH_JOURNAL"]),
)
kept.on_unknown(lambda event: None)
journaled = kept.asgi()


async def bare(scope, receive, send):
    # What any webhook endpoint does at the least: read the body, answer 204.
    if scope["type"] != "http":
        return
    more = True
    while more:
        more = (await receive()).get("more_body", False)
    await send({"type": "http.response.start", "status": 204, "headers": []})
    await send({"type": "http.response.body", "body": b""})
"""


def bench_receiver() -> None:
    """The receiver under uvicorn against a bare ASGI app on the same server; handle()
    against verifying and claiming by hand; the async stores against their drivers."""
    import tempfile
    import threading

    from faraday_webhooks.dedupe import Deduplicator, MemoryStore
    from faraday_webhooks.receiver import Receiver

    secret = "whsec_" + base64.b64encode(os.urandom(32)).decode()
    padding = "x" * 800

    def delivery(number: int) -> tuple[bytes, dict[str, str]]:
        body = json.dumps(
            {
                "type": EVENT,
                "timestamp": "2024-09-26T14:27:05Z",
                "padding": padding,
                "data": {
                    "account_id": "6f1b9a36-4f3e-4ae4-9b4b-1f1c7b0e5a11",
                    "resource_id": "2c1881c4-a0c0-424d-89e1-b481f3cb118c",
                    "resource_type": "cohorts",
                },
            }
        ).encode()
        return body, fw.sign_webhook(body, secret, msg_id=f"msg_bench_{number}")

    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "bench_apps.py").write_text(RECEIVER_APPS)

        def rate(app: str, first: int) -> float:
            port = _free_port()
            environment = {
                **os.environ,
                "BENCH_SECRET": secret,
                "BENCH_JOURNAL": str(Path(folder) / f"journal-{first}.sqlite3"),
                "PYTHONPATH": folder,
            }
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    f"bench_apps:{app}",
                    "--port",
                    str(port),
                    "--log-level",
                    "error",
                    "--no-access-log",
                ],
                env=environment,
                cwd=folder,
            )
            try:
                url = f"http://127.0.0.1:{port}/hooks"
                deadline = time.monotonic() + 20
                while time.monotonic() < deadline:
                    with contextlib.suppress(httpx.TransportError):
                        httpx.post(url, content=b"{}", timeout=1)
                        break
                    time.sleep(0.05)
                prepared = [delivery(first + n) for n in range(1500)]
                chunks = [prepared[n::4] for n in range(4)]

                def send(part: list[tuple[bytes, dict[str, str]]]) -> None:
                    with httpx.Client(timeout=30) as client:
                        for body, headers in part:
                            assert (
                                client.post(url, content=body, headers=headers).status_code == 204
                            )

                threads = [threading.Thread(target=send, args=(part,)) for part in chunks]
                started = time.perf_counter()
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                return len(prepared) / (time.perf_counter() - started)
            finally:
                server.terminate()
                server.wait(10)

        counter = iter(range(0, 10**9, 10_000))
        ours_rates, bare_rates, journaled_rates = [], [], []
        for _ in range(3):
            bare_rates.append(rate("bare", next(counter)))
            ours_rates.append(rate("ours", next(counter)))
            journaled_rates.append(rate("journaled", next(counter)))
        record(
            "8. receiver.asgi() under uvicorn vs a bare ASGI app, 1 KiB deliveries, MemoryStore",
            statistics.median(ours_rates),
            statistics.median(bare_rates),
            "deliveries/s",
            "≥ 0.8x",
        )
        record(
            "8j. the same receiver with a SQLiteJournal vs without one (#32)",
            statistics.median(journaled_rates),
            statistics.median(ours_rates),
            "deliveries/s",
            "≥ 0.7x",
        )

    receiver = Receiver(secret, dedupe=Deduplicator(MemoryStore()))
    receiver.on_unknown(lambda event: None)
    by_hand = Deduplicator(MemoryStore())
    numbers = iter(range(10**9))
    prepared = [delivery(n) for n in range(40_000)]

    def handled() -> None:
        body, headers = prepared[next(numbers) % len(prepared)]
        receiver.handle(body, headers)

    def verified_and_claimed() -> None:
        body, headers = prepared[next(numbers) % len(prepared)]
        event = fw.verify_webhook(body, headers, secret)
        with by_hand.claim(event):
            pass

    ours, baseline = alternate(
        lambda: per_call(handled, 1000), lambda: per_call(verified_and_claimed, 1000)
    )
    record(
        "8h. receiver.handle() vs verify_webhook + a MemoryStore claim by hand",
        ours * 1e6,
        baseline * 1e6,
        "µs/call",
        "≤ 1.5x",
    )
    _bench_async_stores()


def _bench_async_stores() -> None:
    import itertools

    import psycopg
    import redis.asyncio
    from faraday_webhooks.dedupe import AsyncPostgresStore, AsyncRedisStore

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
    from engines import postgres_server, redis_server

    numbers = itertools.count()

    def compare(name: str, store: Any, bare: Callable[[str], Any]) -> None:
        async def run(claims: bool) -> float:
            started = time.perf_counter()
            for _ in range(1000):
                key = f"msg_{next(numbers)}"
                await (store.acquire(key, "token", 60) if claims else bare(key))
            return 1000 / (time.perf_counter() - started)

        async def rounds() -> tuple[float, float]:
            await run(True), await run(False)  # warm up
            mine, theirs = [], []
            for _ in range(7):
                theirs.append(await run(False))
                mine.append(await run(True))
            return statistics.median(mine), statistics.median(theirs)

        ours, baseline = asyncio.run(rounds())
        record(
            f"8a. {name}: async claims/s vs the driver's bare operation",
            ours,
            baseline,
            "ops/s",
            "≥ 0.67x (≤ 1.5x the cost)",
        )

    with redis_server() as port:
        client = redis.asyncio.Redis(port=port)
        compare(
            "AsyncRedisStore",
            AsyncRedisStore(redis.asyncio.Redis(port=port)),
            lambda key: client.set(key, "token", nx=True, px=60000),
        )
    with postgres_server() as conninfo:
        holder: dict[str, Any] = {}

        async def bare_pg(key: str) -> Any:
            if "connection" not in holder:
                holder["connection"] = await psycopg.AsyncConnection.connect(
                    conninfo, autocommit=True
                )
                await holder["connection"].execute(
                    "CREATE TABLE IF NOT EXISTS t "
                    "(id TEXT PRIMARY KEY, token TEXT, expires_at TIMESTAMPTZ)"
                )
            statement = (
                "INSERT INTO t VALUES (%s, 'token', clock_timestamp()) ON CONFLICT (id) DO NOTHING"
            )
            return await holder["connection"].execute(statement, (key,))

        compare("AsyncPostgresStore", AsyncPostgresStore(conninfo), bare_pg)


BENCHMARKS = {
    "overhead": bench_overhead,
    "list": bench_list_parsing,
    "import": bench_import,
    "concurrency": bench_concurrency,
    "verify": bench_verify,
    "sandbox": bench_sandbox,
    "dedupe": bench_dedupe,
    "receiver": bench_receiver,
}


def main(names: list[str]) -> int:
    chosen = names or list(BENCHMARKS)
    for name in chosen:
        BENCHMARKS[name]()
    print()
    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"Python {platform.python_version()}, "
        f"httpx {httpx.__version__}; {time.strftime('%Y-%m-%d')}"
    )
    print()
    print("| benchmark | ours | baseline | ratio | goal |")
    print("|---|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
