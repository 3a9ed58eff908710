# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The pool of worker threads that sends a task's requests, and how many may be in flight at once.

Internal use only: not a public API of the collection, and it may change in any release. No Ansible here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError

MAX_CONCURRENCY = 64
# Phone-number writes in flight at once. Measured by tests/benchmark: 1,000 creates at 50 ms take 1.21 times the
# ideal N x latency / 8 at 8; twice the workers save a few seconds for twice the load on an API whose rate limit
# is not published.
PHONE_NUMBER_CONCURRENCY = 8
# Listing pages in flight at once for a task that only reads: a read changes nothing, and 16 reads the 20 pages of
# a 10,000-number network in 3 round trips after the first page where 8 take 4 (tests/benchmark, section scale).
PAGE_READ_CONCURRENCY = 16
# Sends in flight at once: fewer, since each reaches a person and a carrier may throttle a sender.
SEND_CONCURRENCY = 4


def is_fatal(error):
    """Errors that every other request would hit too: stop sending instead of repeating them thousands of times."""
    return error.kind in ('version', 'unreachable', 'budget') or error.status in (401, 403)


class WorkerPool:
    """Runs calls on up to ``concurrency`` threads, for as many batches as a task needs.

    After a fatal ApiError, calls not yet started (in this batch or a later one) are not attempted: their
    error (kind ``not_attempted``) says why, so the result can list them; ``stopped_by`` is the fatal error.
    """

    def __init__(self, concurrency=1):
        self.concurrency = max(1, concurrency)
        self.stopped_by = None
        self._lock = threading.Lock()

    def _call(self, func, item, write=False):
        stopped_by = self.stopped_by
        if stopped_by is not None:
            return item, None, ApiError(stopped_by.method, '(not sent)', 'not attempted, because an earlier request '
                                        'failed: %s' % stopped_by, kind='not_attempted')
        try:
            return item, func(item), None
        except ApiError as exc:
            if is_fatal(exc):
                with self._lock:
                    self.stopped_by = self.stopped_by or exc
            return item, None, exc
        except Exception as exc:  # pylint: disable=broad-except
            # Whatever went wrong with this item, the others' results must reach the task's result. A write may
            # have reached the server before the exception (say, while its answer was read).
            return item, None, ApiError(getattr(func, 'method', 'request'), '(%s)' % (item,),
                                        'failed unexpectedly: %s: %s' % (type(exc).__name__, exc), kind='unexpected',
                                        may_have_applied=write)

    def map(self, func, items, write=False):
        """``(item, value, error)`` for every item, in the order of ``items``.

        ``write``: ``func`` sends a write, so an unexpected exception from it may have left the write applied.
        """
        if self.concurrency == 1 or len(items) <= 1:
            return [self._call(func, item, write) for item in items]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(items))) as executor:
            return list(executor.map(lambda item: self._call(func, item, write), items))
