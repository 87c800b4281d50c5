"""The sync client's own pools, their sockets bound by the whole-call deadline.

Imported when a ``Faraday`` client builds its own connection pool (httpx imports
httpcore only then too), so ``import faraday_webhooks`` stays light.
"""

from __future__ import annotations

from typing import Any

import httpcore
import httpx

from ._deadline import current_deadline

__all__ = ["DeadlineNetworkBackend", "govern_by_deadline"]


def _fitted(timeout: float | None) -> float | None:
    """``timeout`` shortened to what remains of the current call's deadline."""
    deadline = current_deadline()
    if deadline is None:
        return timeout
    remaining = deadline.remaining()
    if remaining <= 0:
        raise httpcore.ReadTimeout("the total timeout ran out")
    return remaining if timeout is None else min(timeout, remaining)


class _DeadlineStream(httpcore.NetworkStream):
    """A socket stream whose every read and write ends by the call's deadline."""

    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _fitted(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _fitted(timeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(*args, **kwargs))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class DeadlineNetworkBackend(httpcore.NetworkBackend):
    """httpcore's network backend, with ``_DeadlineStream`` around every connection."""

    def __init__(self, backend: httpcore.NetworkBackend) -> None:
        self._backend = backend

    def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        if "timeout" in kwargs:
            kwargs["timeout"] = _fitted(kwargs["timeout"])
        return _DeadlineStream(self._backend.connect_tcp(*args, **kwargs))

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        return _DeadlineStream(self._backend.connect_unix_socket(*args, **kwargs))

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def govern_by_deadline(client: httpx.Client) -> None:
    """Make every socket of ``client``'s own pools end by the calling thread's deadline.

    httpx offers no argument for a network backend, so the backend of each of the
    client's transports (the default one and any proxy from the environment) is
    wrapped in place. A transport kept elsewhere by another httpx or httpcore version
    is left as it is: only the per-operation timeouts then bound the wait for headers.
    """
    transports = [getattr(client, "_transport", None), *getattr(client, "_mounts", {}).values()]
    for transport in transports:
        pool = getattr(transport, "_pool", None)
        backend = getattr(pool, "_network_backend", None)
        if isinstance(backend, httpcore.NetworkBackend) and not isinstance(
            backend, DeadlineNetworkBackend
        ):
            pool._network_backend = DeadlineNetworkBackend(backend)  # type: ignore[union-attr]
