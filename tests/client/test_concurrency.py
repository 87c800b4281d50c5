"""Many threads, processes and event loops: the package behaves as it does in one.

Forks and cold starts run in fresh interpreters, each bounded in time.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import textwrap
import threading
import time

import faraday_webhooks as fw
import pytest
from faraday_webhooks.testing import Sandbox
from helpers import API_KEY, EVENT, error_body, scripted_server

COLD_FIRST_CALLS = textwrap.dedent(
    """
    import sys, threading, uuid
    import faraday_webhooks as fw

    client = fw.Faraday(api_key=API_KEY, base_url=BASE_URL, max_retries=0)
    start = threading.Barrier(32)
    outcomes = []

    def first_call(number):
        start.wait()
        try:
            if number % 2:
                outcomes.append(type(client.webhooks.list()).__name__)
            else:
                client.webhooks.retrieve(uuid.uuid4())
        except fw.FaradayError as error:
            outcomes.append(type(error).__name__)
        except BaseException as error:  # anything else breaks the promise
            outcomes.append("ESCAPED " + type(error).__name__ + ": " + str(error))

    threads = [threading.Thread(target=first_call, args=(n,)) for n in range(32)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    print(sorted(set(outcomes)), len(outcomes))
    """
)


def test_32_threads_making_the_first_calls_of_a_fresh_client_get_only_models_and_errors(
    sandbox: Sandbox,
) -> None:
    # Each run is a fresh interpreter that compiles nothing ahead: the first calls race
    # whatever loading the package would leave to them (CPython gh-114763 for LazyLoader).
    script = f"API_KEY = {API_KEY!r}\nBASE_URL = {sandbox.base_url!r}\n" + COLD_FIRST_CALLS
    environment = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    for _ in range(20):
        result = subprocess.run(
            [sys.executable, "-c", script],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
            env=environment,
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.strip() == "['NotFoundError', 'list'] 32", result.stdout


# -- fork: a client used after os.fork() opens its own connections --------------------

FORKED_CALLS = textwrap.dedent(
    """
    import os, sys
    import faraday_webhooks as fw

    client = fw.Faraday(api_key=API_KEY, base_url=BASE_URL, max_retries=0)
    first = client.webhooks.create(url="https://example.com/a", enabled_events=[EVENT])
    second = client.webhooks.create(url="https://example.com/b", enabled_events=[EVENT])
    client.webhooks.retrieve(first.id)  # the pool now holds a kept-alive connection
    child = os.fork()
    wrong = 0
    for number in range(50):
        wanted = (first, second)[(number + (child == 0)) % 2].id
        wrong += client.webhooks.retrieve(wanted).id != wanted
    if child == 0:
        os._exit(1 if wrong else 0)
    _, status = os.waitpid(child, 0)
    print(wrong, os.waitstatus_to_exitcode(status))
    """
)


def test_after_a_fork_parent_and_child_each_get_the_answers_they_asked_for(
    sandbox: Sandbox,
) -> None:
    script = (
        f"API_KEY = {API_KEY!r}\nBASE_URL = {sandbox.base_url!r}\nEVENT = {EVENT!r}\n"
        + FORKED_CALLS
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["0", "0"]  # no wrong answer in the parent, child exit 0


def test_an_async_client_reused_under_a_second_asyncio_run_says_why(sandbox: Sandbox) -> None:
    client = fw.AsyncFaraday(api_key=API_KEY, base_url=sandbox.base_url)
    assert asyncio.run(client.webhooks.list()) == []
    with pytest.raises(fw.ClientClosedError, match="event loop"):
        asyncio.run(client.webhooks.list())


def _busy_server_body() -> bytes:
    return json.dumps(error_body("INTERNAL_SERVER_ERROR")).encode()


def test_close_from_another_thread_ends_a_call_waiting_out_retry_after() -> None:
    policy = fw.RetryPolicy(max_retries=1, max_retry_after=2)
    with scripted_server(503, _busy_server_body(), retry_after="2") as url:
        client = fw.Faraday(api_key=API_KEY, base_url=url + "/v1", retry_policy=policy)
        threading.Timer(0.3, client.close).start()
        started = time.monotonic()
        with pytest.raises(fw.ClientClosedError):
            client.webhooks.list()
    assert time.monotonic() - started < 5


def test_close_from_another_task_ends_an_async_call_waiting_out_retry_after() -> None:
    policy = fw.RetryPolicy(max_retries=1, max_retry_after=2)

    async def scenario(url: str) -> None:
        client = fw.AsyncFaraday(api_key=API_KEY, base_url=url + "/v1", retry_policy=policy)
        call = asyncio.create_task(client.webhooks.list())
        await asyncio.sleep(0.3)
        await client.close()
        with pytest.raises(fw.ClientClosedError):
            await call

    with scripted_server(503, _busy_server_body(), retry_after="2") as url:
        asyncio.run(scenario(url))
