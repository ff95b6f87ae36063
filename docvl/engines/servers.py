"""Several OpenAI-compatible servers behind one engine: which server a request goes to, and which are out.

A document's requests go to one server while that server is healthy: vLLM caches what it computed for a
prompt's prefix (the system prompt, the page images), so a re-ask or the next window of the same document
costs that server less than another. A new document goes to the healthy server with the fewest requests
outstanding. A server that fails (the connection refused or dropped, a timeout, 5xx answers after a
retry) is taken out for a while (OUT_FIRST_S, doubled each time it fails again, at most OUT_MOST_S) and
the request goes to another server at once; when its time is up it gets requests again, and its first
answer puts it back for good. With one server nothing is taken out: there is nowhere else to go, so
its own retries with backoff are all there is (openai_engine).

Several URLs are for several independent servers. One `vllm serve --data-parallel-size N` or a router
(vLLM's production-stack router, vllm-router) in front of many is one URL: it balances by itself.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import httpx

OUT_FIRST_S = 30.0
OUT_MOST_S = 300.0
# documents remembered with their server; the oldest is forgotten first (a document's requests come close
# together, so this only has to outlast the documents in flight)
AFFINITY_SIZE = 4096


@dataclass(eq=False)
class Server:
    """One server and what happened to it in this run."""

    url: str  # ends in /v1
    client: httpx.Client
    outstanding: int = 0  # requests sent and not answered yet
    answered: int = 0
    failed: int = 0  # requests this server gave up on
    out_until: float = 0.0  # time.monotonic() before which it gets no requests (0: it is in)
    strikes: int = 0  # times taken out in a row


class ServerDown(Exception):
    """A server failed a request in a way that says the server, not the request, is at fault."""


class Servers:
    """The run's servers, shared by every request thread."""

    def __init__(self, servers: Sequence[Server], *, clock: Callable[[], float] = time.monotonic) -> None:
        if not servers:
            raise ValueError("no servers")
        self.all = list(servers)
        self._clock = clock
        self._lock = threading.Lock()
        self._affinity: OrderedDict[str, Server] = OrderedDict()

    def __len__(self) -> int:
        return len(self.all)

    def pick(self, document: str | None, exclude: Iterable[Server] = ()) -> Server | None:
        """The server for the next request of ``document`` (None: no document), not one of ``exclude``
        (those that failed this request already); None when no server is left to try. When every server
        is out, the one due back soonest is tried rather than failing the request unasked."""
        skip = set(exclude)
        with self._lock:
            now = self._clock()
            left = [s for s in self.all if s not in skip]
            if not left:
                return None
            healthy = [s for s in left if s.out_until <= now]
            chosen = self._affinity.get(document) if document is not None else None
            if chosen is None or chosen not in healthy:
                pool = healthy or [min(left, key=lambda s: s.out_until)]
                # fewest outstanding; on a tie the one that has had least, so a quiet start spreads evenly
                chosen = min(pool, key=lambda s: (s.outstanding, s.answered + s.failed))
            if document is not None:
                self._affinity[document] = chosen
                self._affinity.move_to_end(document)
                while len(self._affinity) > AFFINITY_SIZE:
                    self._affinity.popitem(last=False)
            chosen.outstanding += 1
            return chosen

    def answered(self, server: Server) -> None:
        with self._lock:
            server.outstanding -= 1
            server.answered += 1
            server.strikes = 0
            server.out_until = 0.0

    def failed(self, server: Server, *, take_out: bool) -> float:
        """A request ``server`` gave up on; ``take_out``: it failed as a server, so it gets no requests for
        a while. Returns the seconds it is out (0: it stays in)."""
        with self._lock:
            server.outstanding -= 1
            server.failed += 1
            return self._take_out(server) if take_out else 0.0

    def take_out(self, server: Server) -> float:
        """``server`` did not answer before any request was sent to it (at start)."""
        with self._lock:
            return self._take_out(server)

    def _take_out(self, server: Server) -> float:
        if len(self.all) == 1:
            return 0.0
        now = self._clock()
        if server.out_until > now:  # taken out already, by another request that failed with it
            return server.out_until - now
        server.strikes += 1
        seconds = min(OUT_MOST_S, OUT_FIRST_S * 2 ** (server.strikes - 1))
        server.out_until = now + seconds
        return seconds

    def close(self) -> None:
        for server in self.all:
            server.client.close()


def server_urls(values: Iterable[str]) -> list[str]:
    """--server values (each may hold several URLs, separated by commas or spaces, as DOCVL_BASE_URL
    does), in order, each once."""
    out: list[str] = []
    for value in values:
        for url in value.replace(",", " ").split():
            if url not in out:
                out.append(url)
    return out
