# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""When a request is asked again: the per-operation safety rule, Retry-After, the shared 429 throttle and the
unreachable circuit.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import email.utils
import math
import threading
import time


# A Retry-After of minutes (or a hostile one of days) must not stall a playbook: wait at most this long per answer...
MAX_RETRY_AFTER = 60.0
# ...and at most this long in all, counted as wall-clock time during which some request of the task was waiting.
RETRY_BUDGET = 300.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
# After this many attempts in a row got no answer at all (across workers), the server is taken as unreachable
# and nothing more is sent: a server that hangs on every write costs a few timeouts, not one per write.
UNREACHABLE_AFTER = 4
# A connection refused, or closed without an answer, costs milliseconds where a timeout costs ``timeout`` seconds,
# and a proxy that drops answers at random drops a few in a row now and then while the API itself is fine
# (sms_message then looks each message up): it takes this many of them to count as one timeout.
DISCONNECTS_PER_TIMEOUT = 4


class RetryPolicy:
    """Which failures of one operation may be answered by sending it again.

    A number create or delete, and every read, is safe to resend: if the first one landed, the repeat answers
    409 or 404, or reads the same. Sending a message is not: a resend after an answer that may have been lost
    would send it twice, so only failures that prove the request was not processed are retried (a refused
    connection, a 429) and every other failure is reported as "may have been applied" for the caller to check.
    """

    def __init__(self, name, retry_statuses, resend_after_ambiguous_failure):
        self.name = name
        self.retry_statuses = frozenset(retry_statuses)
        self.resend_after_ambiguous_failure = resend_after_ambiguous_failure

    def __repr__(self):
        return '<RetryPolicy %s>' % self.name


SAFE_TO_RESEND = RetryPolicy('safe to resend', (429, 500, 502, 503, 504), True)
NOT_SAFE_TO_RESEND = RetryPolicy('not safe to resend', (429,), False)


class Throttle:
    """Shared by every worker of one transport: after a 429, nobody sends until the Retry-After has passed.

    Without it, each of N workers would sleep and retry on its own schedule and the API would keep seeing N
    requests per round, which is what the 429 asked us to stop.
    """

    def __init__(self, clock, sleep):
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._not_before = 0.0

    def hold(self, seconds):
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)

    def wait(self):
        while True:
            with self._lock:
                remaining = self._not_before - self._clock()
            if remaining <= 0:
                return
            self._sleep(remaining)


def parse_retry_after(value, now=None):
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date), or None when absent/unreadable."""
    if value is None:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return None if math.isnan(seconds) else max(0.0, seconds)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    try:
        return max(0.0, when.timestamp() - now)
    except (OverflowError, ValueError, OSError):
        return None


class _Circuit:
    """Consecutive requests that got no answer, weighed by their cost; open once they add up to UNREACHABLE_AFTER
    timeouts. Not thread-safe on its own: the Transport holds its lock around every call."""

    def __init__(self):
        self.streak = 0
        self.weight = 0
        self.opened = None

    def close(self):
        self.streak = self.weight = 0

    def note_silence(self, weight, reason):
        self.streak += 1
        self.weight += weight
        if self.weight >= UNREACHABLE_AFTER * DISCONNECTS_PER_TIMEOUT and self.opened is None:
            self.opened = reason(self.streak)
