# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""At most one text per recipient against an API that stores late, and the dedupe of a rerun.

Internal use only: not a public API of the collection, and it may change in any release.

The API queues a send ("creates a message and forwards to kafka"): a message can show in the listings seconds
after its POST was answered, or after a gateway gave up on it. So a look-up that does not find a message proves
nothing, and only a failure that proves the request never reached the API leads to another POST. No Ansible here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import threading

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.excerpts import excerpt
from ansible_collections.invoca.messaging.plugins.module_utils._messages.client import proven_not_stored
from ansible_collections.invoca.messaging.plugins.module_utils._messages.plan import copy_counts, same_text
from ansible_collections.invoca.messaging.plugins.module_utils._messages.records import (
    is_message_id,
    is_outgoing,
    parse_timestamp,
)

# How far before the server's time at the start of the task the look-ups start: API hosts stamp messages with
# clocks that may differ by seconds, so our message may carry a time a little before the one the server told us.
MARK_MARGIN = datetime.timedelta(minutes=2)

# What a record is to a task that sent ``text`` from ``sender`` to ``recipient`` since its mark.
OURS = 'ours'
# A record that could be ours, from a server that shows no text (2022-05-01): another job may have sent it.
MAYBE_OURS = 'maybe ours'


def unexpected_error(method, path, exc):
    """An ApiError for an exception no one foresaw during a write: it may have applied."""
    return ApiError(method, path, 'failed unexpectedly: %s: %s' % (type(exc).__name__, excerpt(str(exc))),
                    kind='unexpected', may_have_applied=True)


def may_have_applied(error):
    """Whether a failed send may have stored the message all the same."""
    return error.kind != 'not_attempted' and not proven_not_stored(error)


def task_mark(server_now, clock_now):
    """Where the task's look-ups start: the server's time (else this machine's) less MARK_MARGIN."""
    return (server_now or clock_now) - MARK_MARGIN


def dedupe_start(window, server_now, clock_now):
    """The start of a dedupe window of ``window`` seconds: measured back from the later of the two clocks, so that
    a server (or a cache in front of it) answering with an old Date cannot make an old copy look recent."""
    now = max(server_now, clock_now) if server_now is not None else clock_now
    return now - datetime.timedelta(seconds=window)


def kinship(record, sender, recipient, text, mark):
    """OURS, MAYBE_OURS or None: whether ``record`` can be the message this task sent.

    It must be outgoing (a record that does not say is not refused for it), from ``sender`` to ``recipient``,
    created at or after ``mark``, and carry ``text`` (up to what same_text forgives). A record without a text can
    only be MAYBE_OURS.
    """
    if record.get('from') != sender or record.get('to') != recipient or not is_outgoing(record):
        return None
    created = parse_timestamp(record.get('created_at'))
    if created is None or created < mark:
        return None
    if 'text' not in record:
        return MAYBE_OURS
    return OURS if same_text(record.get('text'), text) else None


class SendOutcome:
    """What happened to one recipient: ``state`` is sent, failed or unknown. A sent message's ``record`` is None
    when the API accepted it without naming it."""

    def __init__(self, recipient, state, record=None, error=None, extra_uuids=()):
        self.recipient = recipient
        self.state = state
        self.record = record
        self.error = error
        self.extra_uuids = list(extra_uuids)


class ExactlyOnceSender:
    """Sends one text from one number to many recipients, each at most once within the task.

    ``prepare(mark)`` (once, before any send) remembers the uuids of the messages to these recipients created
    since the mark, so that a message that existed before the task is never taken for ours.

    A 2xx (or a 303) is acceptance: the message is sent, named by the record of the answer that is ours, if any.
    A failure that proves the request never reached the API is ``failed``, and so is a refusal. After any other
    failure the sender's messages since the mark are read: a record that is ours means sent; anything else means
    ``unknown``, and the message is never sent again in this task. A rerun with a dedupe window settles it.
    """

    def __init__(self, client, sender, text, recipients):
        self.client = client
        self.sender = sender
        self.text = text
        self.recipients = frozenset(recipients)
        self.mark = None
        self._known = set()
        self._claimed = set()
        self._lock = threading.Lock()

    def prepare(self, mark):
        self.mark = mark
        self._known = set(record['uuid'] for record in self.client.outgoing(self.sender, mark)
                          if record.get('to') in self.recipients)

    def _claim(self, records):
        """Those of ``records`` not known before the task nor already counted for another send; now counted."""
        with self._lock:
            fresh = [record for record in records if record['uuid'] not in self._known | self._claimed]
            self._claimed.update(record['uuid'] for record in fresh)
        return fresh

    def find(self, recipient, records, textless_is_ours=False):
        """(ours, maybe ours) among ``records``, the first claimed: a claimed record is never counted twice."""
        ours, maybe = [], []
        for record in records:
            found = kinship(record, self.sender, recipient, self.text, self.mark)
            if found == OURS or (found == MAYBE_OURS and textless_is_ours):
                ours.append(record)
            elif found == MAYBE_OURS:
                maybe.append(record)
        return self._claim(ours), maybe

    def send(self, recipient):
        """A SendOutcome for one recipient; never raises ApiError."""
        if self.mark is None:
            raise RuntimeError('prepare() must run before send()')
        try:
            receipt = self.client.post(self.sender, recipient, self.text)
        except ApiError as exc:
            if not may_have_applied(exc):
                return SendOutcome(recipient, 'failed', error=exc)
            return self._look_up(recipient, exc)
        except Exception as exc:  # pylint: disable=broad-except
            return self._look_up(recipient, unexpected_error('POST', '(message to %s)' % recipient, exc))
        # The answer to our own POST may name the message without its text (2022-05-01 records carry none).
        ours = self.find(recipient, [record for record in receipt.records if is_message_id(record['uuid'])],
                         textless_is_ours=True)[0]
        return SendOutcome(recipient, 'sent', record=ours[0] if ours else None,
                           extra_uuids=[record['uuid'] for record in ours[1:]])

    def _look_up(self, recipient, error):
        """The outcome of a send that may have stored the message: sent when the listing shows it, else unknown."""
        error.may_have_applied = True
        try:
            ours, maybe = self.find(recipient, [record for record in self.client.outgoing(self.sender, self.mark)
                                                if record['uuid'] not in self._known])
        except Exception as lookup_error:  # pylint: disable=broad-except
            detail = lookup_error.detail if isinstance(lookup_error, ApiError) else '%s: %s' % (
                type(lookup_error).__name__, excerpt(str(lookup_error)))
            error.detail += '; looking for the message afterwards failed too (%s), so it is not sent again' % detail
            return SendOutcome(recipient, 'unknown', error=error)
        usable = [record for record in ours if is_message_id(record['uuid'])]
        if usable:
            return SendOutcome(recipient, 'sent', record=usable[0], extra_uuids=[r['uuid'] for r in usable[1:]])
        if ours:
            # Sent, but under a uuid that cannot be put in a path or shown: it is reported without one.
            return SendOutcome(recipient, 'sent', record=None)
        if maybe:
            error.detail += ('; the API lists a new message to %s, but shows no texts, so it cannot tell it from '
                             "another job's: not sent again" % recipient)
        else:
            error.detail += ('; the message is not (yet) among the messages of %s: the API stores messages late, so '
                             'it is not sent again. Rerun with dedupe_window to send it only if it never arrived'
                             % self.sender)
        return SendOutcome(recipient, 'unknown', error=error)


def received_copies(client, sender, text, recipients, since):
    """Those of ``recipients`` that have a copy of ``text`` from ``sender`` created at or after ``since``.

    A copy counts when delivered or still pending (copy_counts); a list item that shows no outcome is decided by
    the message's own record, read once. The listing is streamed and only candidates are kept. A server that shows
    no texts (2022-05-01) proves no copy: nothing is skipped.
    """
    wanted = set(recipients)
    received = set()
    for record in client.outgoing(sender, since):
        recipient = record.get('to')
        if recipient not in wanted or recipient in received or not same_text(record.get('text'), text):
            continue
        counts = copy_counts(record)
        if counts is None and is_message_id(record['uuid']):
            full = client.get(record['uuid'])
            counts = bool(full) and copy_counts(full) is not False
        if counts:
            received.add(recipient)
    return received
