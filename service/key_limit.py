"""Failed key checks are limited per client address: a guessing client is locked out for a while.

After ``max_failures`` wrong keys from one address within ``window`` seconds, that address is refused for
``lockout`` seconds (429 with ``Retry-After``), even with a right key; a right key never clears the count
of wrong ones. Kept in memory, per worker process, behind one lock; at most ``max_clients`` addresses are
remembered (the least recently failing one is forgotten first), so a flood of addresses cannot exhaust
memory.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field

__all__ = ["KeyLimiter", "KeysLocked"]


class KeysLocked(Exception):
    """Raised when a locked-out address sends a key; ``retry_after`` is whole seconds to wait."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"too many wrong API keys from this address; try again in {retry_after} s")
        self.retry_after = retry_after


@dataclass
class _Client:
    failures: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class KeyLimiter:
    """Counts wrong keys per client address and locks out an address that sends too many."""

    def __init__(
        self,
        max_failures: int = 10,
        window: float = 60.0,
        lockout: float = 60.0,
        max_clients: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window = window
        self.lockout = lockout
        self.max_clients = max_clients
        self._clock = clock
        self._clients: OrderedDict[str, _Client] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, client: str) -> None:
        """Raise :class:`KeysLocked` while ``client`` is locked out; call before checking its key."""
        now = self._clock()
        with self._lock:
            state = self._clients.get(client)
            if state is not None and state.locked_until > now:
                raise KeysLocked(max(1, math.ceil(state.locked_until - now)))

    def failed(self, client: str) -> None:
        """Record a wrong key from ``client``; the one that reaches the limit starts the lockout."""
        now = self._clock()
        with self._lock:
            state = self._clients.pop(client, None) or _Client()
            self._clients[client] = state  # most recent last
            state.failures.append(now)
            while state.failures and state.failures[0] <= now - self.window:
                state.failures.popleft()
            if len(state.failures) >= self.max_failures:
                state.locked_until = now + self.lockout
                state.failures.clear()
            self._evict(now)

    def __len__(self) -> int:
        return len(self._clients)

    def _evict(self, now: float) -> None:
        # oldest first: forget addresses whose failures have all expired (stop at the first recent one),
        # then, if still too many, the least recently failing ones even if locked
        for client, state in list(self._clients.items()):
            if state.failures and state.failures[-1] > now - self.window:
                break
            if state.locked_until <= now:
                del self._clients[client]
        while len(self._clients) > self.max_clients:
            self._clients.popitem(last=False)
