# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The /messages endpoints of the Invoca SMS Messaging API, on the shared Transport.

Internal to this collection: not a public API, and it may change in any release.

Reads and the soft delete are safe to resend. Sending is not: POST /messages has no idempotency key, and the
API stores three identical messages sent a second apart as three messages. So a send uses NOT_SAFE_TO_RESEND
(only a refused connection and a 429 are retried), and ExactlyOnceSender decides, after an ambiguous failure,
whether the message exists by reading the sender's outgoing messages: found, proven absent (resend), or unknown.
No Ansible here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re
import threading
import time

from ansible_collections.invoca.messaging.plugins.module_utils.message_plan import failed_at_carrier, same_text
from ansible_collections.invoca.messaging.plugins.module_utils.phone_number import (
    InvalidPhoneNumber,
    normalize_phone_number,
    normalize_server_number,
)
from ansible_collections.invoca.messaging.plugins.module_utils.transport import (
    EPOCH,
    MAX_PAGE_SIZE,
    NOT_SAFE_TO_RESEND,
    ApiError,
    covering_all_time,
    describe,
    excerpt,
)

# A message uuid goes into a URL path: only the characters a uuid (or a cuid) can hold.
_MESSAGE_ID = re.compile(r'[A-Za-z0-9][A-Za-z0-9._-]{0,99}')
# The API's own 404 texts for messages (the 2022-08-01 contract and the 2022-05-01 schema alike). Only these mean
# "no such message": a gateway's bare "Not Found", an HTML page or a 404 after a redirect never does.
_NO_MESSAGES = re.compile(r'could not find any messages for the requested phone number', re.IGNORECASE)
_NO_MESSAGE_FOR_UUID = re.compile(r'could not find any messages for the requested uuid', re.IGNORECASE)
_NO_DELIVERY_REPORT = re.compile(r'could not find any delivery reports for the requested delivery report uuid',
                                 re.IGNORECASE)
_NOT_IN_SYSTEM = re.compile(r'is not in the system', re.IGNORECASE)
_NUMBER_IN_TEXT = re.compile(r'\+?[0-9][0-9 ().-]{5,}[0-9]')
# The 2022-05-01 answer to a body that is not one object ("must be a JSON hash").
_NOT_A_HASH = re.compile(r'must be a JSON hash', re.IGNORECASE)
# How far before the newest message's created_at the exactly-once look-up starts: messages are stamped by several
# API hosts, whose clocks may differ by seconds. Messages older than the task are excluded by uuid, not by time.
MARK_MARGIN = datetime.timedelta(minutes=10)
# 2022-08-01 writes out/in, 2022-05-01 outbound/inbound.
_OUTGOING = ('out', 'outbound')


class InvalidMessageId(ValueError):
    """A message uuid that cannot be one; the message names the value."""


class UnusableMessageId(ApiError):
    """The API accepted a send but answered with a uuid that cannot be a message identifier.

    The message exists (it must never be sent again), but its uuid is not shown (a hostile server can make it
    anything, the token included) nor ever put in a path.
    """


def is_message_id(value):
    return isinstance(value, str) and _MESSAGE_ID.fullmatch(value) is not None


def is_not_found(error, words):
    """Whether ``error`` is the API's own 404 in ``words``: never a 404 without them, nor one after a redirect
    (the answer is then another server's, or another path's, whatever its words)."""
    return (error.status == 404 and error.kind == 'http' and bool(error.api_message) and not error.redirected_to
            and words.search(error.api_message) is not None)


def delivery_reports_of(record):
    """The delivery reports (dicts) a record lists, oldest first, or None when it lists none in a readable way
    (absent, or not a list)."""
    reports = record.get('delivery_reports') if isinstance(record, dict) else None
    if not isinstance(reports, list):
        return None
    return [report for report in reports if isinstance(report, dict)]


def format_timestamp(when):
    """A timezone-aware datetime as the API writes timestamps: 2022-11-03T23:59:00.000Z."""
    when = when.astimezone(datetime.timezone.utc)
    return when.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (when.microsecond // 1000)


def parse_timestamp(value):
    """A datetime (UTC) from an API timestamp, or None when absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace(' UTC', '+00:00')
    if text.endswith('Z'):
        text = text[:-1] + '+00:00'
    try:
        when = datetime.datetime.fromisoformat(text.replace(' ', 'T', 1) if 'T' not in text else text)
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.astimezone(datetime.timezone.utc)


def delivery_status(record):
    """delivered, failed or pending, from the record's own timestamps.

    progress_bit is undefined in the contract (1 on a delivered and on an undelivered example), so it is not
    read: delivered_at set means delivered (to the carrier), failed_at or a carrier error code means failed.
    """
    if not isinstance(record, dict):
        return 'pending'
    if failed_at_carrier(record):
        return 'failed'
    if record.get('delivered_at'):
        return 'delivered'
    return 'pending'


def is_outgoing(record):
    return str(record.get('direction', '')).lower() in _OUTGOING


def check_message_id(value):
    if not isinstance(value, str) or not _MESSAGE_ID.fullmatch(value):
        raise InvalidMessageId('message uuid %r is not a message identifier: expected letters, digits and dashes, '
                               'such as 3f0e8d8a-63c2-4d4e-9c36-6a1c1d3c2b10' % (value,))
    return value


class _TolerantListing:
    """A Listing of a per-number endpoint that answers 404 "Could not find any messages" for none at all."""

    def __init__(self, listing):
        self._listing = listing
        self.empty = False

    @property
    def truncated(self):
        return self._listing.truncated

    @property
    def count(self):
        return 0 if self.empty else self._listing.count

    def __iter__(self):
        try:
            yield from self._listing
        except ApiError as exc:
            if is_not_found(exc, _NO_MESSAGES):
                self.empty = True
                return
            raise


class MessageClient:
    """send, list, get, delete messages; delivery reports; a number's usage.

    One instance per task, on one Transport; it may be shared by worker threads.
    """

    def __init__(self, transport):
        self.transport = transport
        self.outgoing_direction = 'outbound' if transport.api_version < '2022-08-01' else 'out'
        # 2022-05-01 documents POST /messages with one object (and answers 400 "must be a JSON hash" to others);
        # 2022-08-01 with an array. A server that refuses the array that way gets one object from then on.
        self._object_body = transport.api_version < '2022-08-01'

    def close(self):
        self.transport.close()

    def retry_summary(self):
        return self.transport.retry_summary()

    # -- records ----------------------------------------------------------------------------------------------

    def checked_message(self, method, path, answer, record):
        """``record`` with ``from``/``to`` in E.164 where they can be read; ApiError without a uuid.

        ``to`` is a string in the contract's records but an array in its requests: a one-item array is read as
        its item. A number the server wrote in another way is kept as written, so it never matches by accident.
        """
        if not isinstance(record, dict) or not isinstance(record.get('uuid'), str) or not record['uuid']:
            raise ApiError(method, path, self.transport.redact(
                'the server sent a message record without a uuid: %s' % describe(record)),
                status=answer.status if answer is not None else None, kind='malformed')
        record = dict(record)
        for key in ('from', 'to'):
            value = record.get(key)
            if isinstance(value, list) and len(value) == 1:
                value = value[0]
            try:
                record[key] = normalize_server_number(value)
            except InvalidPhoneNumber:
                pass
        return record

    def _extract(self, path, answer, item):
        return self.checked_message('GET', path, answer, item)

    @staticmethod
    def _expect(message_uuid, method, path, answer, record):
        """``record``, when it is the one asked for; else the server contradicted the request."""
        if record['uuid'] != message_uuid:
            raise ApiError(method, path, 'the server contradicted the request: asked about message %s, it answered '
                           'with another message%s' % (message_uuid, ' (%s)' % record['uuid']
                                                       if is_message_id(record['uuid']) else ''),
                           status=answer.status, kind='contradiction', may_have_applied=method != 'GET')
        return record

    # -- sending ----------------------------------------------------------------------------------------------

    def send(self, sender, recipient, text):
        """POST one message to one recipient, never resent after an ambiguous failure. Returns its record.

        Raises ApiError. ``may_have_applied`` is True when the message may exist all the same: no answer, a 5xx
        (the API may fail after storing), or a 2xx whose body cannot be read.
        """
        path = self.transport.path('messages')
        answer = self.transport.request('POST', path, body=self._send_body(sender, recipient, text),
                                        policy=NOT_SAFE_TO_RESEND)
        if answer.status == 400 and not self._object_body and _NOT_A_HASH.search(
                self.transport.error('POST', path, answer).api_message or ''):
            # Refused as a whole before anything was stored: safe to send again, as one object.
            self._object_body = True
            answer = self.transport.request('POST', path, body=self._send_body(sender, recipient, text),
                                            policy=NOT_SAFE_TO_RESEND)
        if 200 <= answer.status < 300:
            records = answer.body.get('messages') if isinstance(answer.body, dict) else None
            if isinstance(answer.body, dict) and isinstance(answer.body.get('message'), dict):
                records = [answer.body['message']]
            if isinstance(records, list):
                for item in records:
                    try:
                        record = self.checked_message('POST', path, answer, item)
                    except ApiError:
                        continue
                    if record.get('to') == recipient:
                        return self._accepted(path, answer, record, recipient)
            error = self.transport.malformed('POST', path, answer, 'an object {"messages": [...]} with the message '
                                             'to %s' % recipient)
            error.may_have_applied = True
            raise error
        error = self.transport.error('POST', path, answer)
        # A 5xx may come after the message was stored (and forwarded); a 4xx says it was refused.
        error.may_have_applied = answer.status >= 500
        raise error

    def _send_body(self, sender, recipient, text):
        if self._object_body:
            return {'to': recipient, 'from': sender, 'text': text}
        return [{'to': [recipient], 'from': sender, 'text': text}]

    def _accepted(self, path, answer, record, recipient):
        """The record of an accepted send, once its uuid is known to be usable in a path."""
        if not is_message_id(record['uuid']):
            raise UnusableMessageId('POST', path, 'the API accepted the message to %s (HTTP %d) but answered with a '
                                    'uuid that is not a message identifier (%d characters, not shown): the message '
                                    'exists, so it is not sent again, and it cannot be looked up by uuid'
                                    % (recipient, answer.status, len(record['uuid'])), status=answer.status,
                                    kind='malformed', may_have_applied=True)
        return record

    # -- reading ----------------------------------------------------------------------------------------------

    def listing(self, query=(), max_records=None, page_size=MAX_PAGE_SIZE):
        """A Listing of GET /messages. Without a created_at filter the API shows only today's messages, so one
        covering all time is added."""
        return self.transport.listing(self.transport.path('messages'), 'messages', covering_all_time(query), page_size=page_size,
                                      max_items=max_records, item_key=lambda item: item['uuid'],
                                      extract=self._extract)

    def outgoing(self, sender, since, max_records=None):
        """The messages ``sender`` sent at or after ``since`` (an API timestamp), as a list.

        Filtered on the server by from, direction and created_at, and again here: a server that ignores a filter
        must not make another number's message look like ours.
        """
        # Oldest first, said explicitly: the contract's description says desc, its overview and examples asc; pages
        # of a listing sorted as it grows (newest last) do not shift under the reader.
        query = [('from[eq]', sender), ('direction[eq]', self.outgoing_direction), ('created_at[gte]', since),
                 ('sort', 'created_at:asc')]
        since_time = parse_timestamp(since)
        result = []
        for record in self.listing(query, max_records=max_records):
            if record.get('from') != sender or not is_outgoing(record):
                continue
            created = parse_timestamp(record.get('created_at'))
            if since_time is not None and created is not None and created < since_time:
                continue
            result.append(record)
        return result

    def newest_outgoing(self, sender):
        """The newest message ``sender`` sent, or None when it has sent none (by the server's clock)."""
        path = self.transport.path('messages')
        query = [('from[eq]', sender), ('direction[eq]', self.outgoing_direction), ('created_at[gte]', EPOCH),
                 ('sort', 'created_at:desc'), ('limit', 1)]
        answer = self.transport.request('GET', path, query)
        if answer.status != 200:
            raise self.transport.error('GET', path, answer)
        items = answer.body.get('messages') if isinstance(answer.body, dict) else None
        if not isinstance(items, list):
            raise self.transport.malformed('GET', path, answer, 'an object {"messages": [...]}')
        newest = None
        for item in items:
            record = self.checked_message('GET', path, answer, item)
            if record.get('from') != sender or not is_outgoing(record):
                continue
            created = parse_timestamp(record.get('created_at'))
            if created is not None and (newest is None or created > newest[0]):
                newest = (created, record)
        return newest[1] if newest else None

    def get(self, message_uuid):
        """One message with its delivery reports, or None when the API says it has no such message."""
        path = self.transport.path('messages', 'uuid', check_message_id(message_uuid))
        answer = self.transport.request('GET', path)
        if answer.status == 200:
            record = answer.body.get('message') if isinstance(answer.body, dict) else None
            if not isinstance(record, dict):
                raise self.transport.malformed('GET', path, answer, 'an object {"message": {...}}')
            return self._expect(message_uuid, 'GET', path, answer, self.checked_message('GET', path, answer, record))
        error = self.transport.error('GET', path, answer)
        if is_not_found(error, _NO_MESSAGE_FOR_UUID):
            return None
        raise error

    def delete(self, message_uuid):
        """Soft-delete a message. Returns its record as the API answered (deleted_at set), or None when the API
        says it has no such message."""
        path = self.transport.path('messages', 'uuid', check_message_id(message_uuid))
        answer = self.transport.request('DELETE', path)
        if answer.status in (200, 202, 204):
            record = answer.body.get('message') if isinstance(answer.body, dict) else None
            if not isinstance(record, dict):
                # A success without a record (204 No Content): deleted, as far as the API says.
                return {'uuid': message_uuid}
            record = self._expect(message_uuid, 'DELETE', path, answer,
                                  self.checked_message('DELETE', path, answer, record))
            if not record.get('deleted_at'):
                raise ApiError('DELETE', path, 'the server contradicted itself: it answered %d (deleted) with a '
                               'record of message %s that is not soft-deleted (deleted_at is empty)'
                               % (answer.status, message_uuid), status=answer.status, kind='contradiction',
                               may_have_applied=True)
            return record
        error = self.transport.error('DELETE', path, answer)
        if is_not_found(error, _NO_MESSAGE_FOR_UUID):
            return None
        raise error

    def by_number(self, phone_number, query=(), max_records=None, page_size=MAX_PAGE_SIZE):
        """A listing of GET /messages/phone_number/{n} (the contract does not say whether it matches from, to or
        both); empty, not an error, when the API answers that the number has no messages."""
        number = normalize_phone_number(phone_number)
        path = self.transport.path('messages', 'phone_number', number)
        return _TolerantListing(self.transport.listing(path, 'messages', covering_all_time(query), page_size=page_size,
                                                       max_items=max_records, item_key=lambda item: item['uuid'],
                                                       extract=self._extract))

    def usage(self, phone_number):
        """{phone_number, outgoing: {segments, messages}, incoming: {...}}, or None for a number not in the system."""
        number = normalize_phone_number(phone_number)
        path = self.transport.path('messages', 'phone_number', number, 'usage')
        answer = self.transport.request('GET', path)
        if answer.status == 200:
            usage = answer.body.get('messages') if isinstance(answer.body, dict) else None
            if not isinstance(usage, dict):
                raise self.transport.malformed('GET', path, answer, 'an object {"messages": {"outgoing": ...}}')
            if 'phone_number' in usage:
                try:
                    answered = normalize_server_number(usage['phone_number'])
                except InvalidPhoneNumber:
                    answered = None
                if answered != number:
                    raise ApiError('GET', path, 'the server contradicted the request: asked for the usage of %s, it '
                                   'answered with the usage of %s' % (number, describe(usage['phone_number'])),
                                   status=answer.status, kind='contradiction')
            return usage
        error = self.transport.error('GET', path, answer)
        if is_not_found(error, _NOT_IN_SYSTEM) and self._names_only(error.api_message, number):
            return None
        raise error

    @staticmethod
    def _names_only(text, number):
        """Whether every phone number ``text`` mentions is ``number`` (an answer about another number is not ours)."""
        for mentioned in _NUMBER_IN_TEXT.findall(text):
            try:
                if normalize_server_number(mentioned) != number:
                    return False
            except InvalidPhoneNumber:
                continue
        return True

    def delivery_reports(self, message_uuid, query=(), max_records=None):
        """A listing of a message's delivery reports (oldest first)."""
        path = self.transport.path('messages', 'uuid', check_message_id(message_uuid), 'delivery_reports')
        return self.transport.listing(path, 'delivery_reports', query, max_items=max_records)

    def delivery_report(self, message_uuid, report_uuid):
        """One delivery report (with destination, carrier_description, carrier_errorcode), or None."""
        path = self.transport.path('messages', 'uuid', check_message_id(message_uuid), 'delivery_reports', 'uuid',
                                   check_message_id(report_uuid))
        answer = self.transport.request('GET', path)
        if answer.status == 200:
            report = answer.body.get('delivery_report') if isinstance(answer.body, dict) else None
            if not isinstance(report, dict):
                raise self.transport.malformed('GET', path, answer, 'an object {"delivery_report": {...}}')
            if report.get('uuid', report_uuid) != report_uuid or report.get('message_uuid', message_uuid) != message_uuid:
                raise ApiError('GET', path, 'the server contradicted the request: asked for delivery report %s of '
                               'message %s, it answered with another report' % (report_uuid, message_uuid),
                               status=answer.status, kind='contradiction')
            return report
        error = self.transport.error('GET', path, answer)
        if is_not_found(error, _NO_DELIVERY_REPORT):
            return None
        raise error


def may_have_applied(error):
    """Whether a failed send may have stored the message all the same: the transport says so, its answer could
    not be read, or something no one foresaw went wrong during it."""
    return bool(error.may_have_applied) or error.kind in ('malformed', 'unexpected')


def unexpected_error(method, path, exc):
    """An ApiError for an exception no one foresaw during a write: it may have applied."""
    return ApiError(method, path, 'failed unexpectedly: %s: %s' % (type(exc).__name__, excerpt(str(exc))),
                    kind='unexpected', may_have_applied=True)


class SendOutcome:
    """What happened to one recipient: ``state`` is sent, failed or unknown."""

    def __init__(self, recipient, state, record=None, error=None, attempts=0, extra_uuids=()):
        self.recipient = recipient
        self.state = state
        self.record = record
        self.error = error
        self.attempts = attempts
        self.extra_uuids = list(extra_uuids)


class ExactlyOnceSender:
    """Sends one text from one number to many recipients, each at most once as far as the API can tell.

    ``prepare()`` (once, before any send) takes a mark on the server's clock, MARK_MARGIN before the created_at
    of the sender's newest outgoing message (or the epoch when it has none), and remembers the uuids of the
    messages at or after it, so that an identical message that existed before the task is never taken for ours.
    Client and server clocks never meet: the mark is the server's own timestamp; the margin covers API hosts
    whose clocks differ, which could stamp our message a little before the newest one that existed.

    After an ambiguous failure of one recipient's send, the sender's outgoing messages since the mark are read
    again, looking for a new uuid whose recipient and text match: found means sent. The API answers a send 202
    ("forwards to kafka"), so a stored message may show up late: an empty lookup is repeated once after
    ``recheck_delay`` seconds before the message counts as proven absent; only then is it sent again, and at
    most ``max_sends`` POSTs are made per recipient. A lookup that fails makes the outcome unknown: never resent.

    Any failure that may have left the message stored (no answer, a 5xx, an answer that cannot be read, an
    unforeseen exception) leads to the look-up; only a refusal (a 4xx) counts as not sent.
    """

    def __init__(self, client, sender, text, recheck_delay=2.0, max_sends=3, sleep=time.sleep):
        self.client = client
        self.sender = sender
        self.text = text
        self.recheck_delay = recheck_delay
        self.max_sends = max_sends
        self._sleep = sleep
        self.mark = None
        self._known = set()
        self._claimed = set()
        self._lock = threading.Lock()
        self.lookups = 0

    def prepare(self):
        newest = self.client.newest_outgoing(self.sender)
        newest_time = parse_timestamp(newest.get('created_at')) if newest else None
        if newest_time is None:
            self.mark = EPOCH
        else:
            self.mark = format_timestamp(max(newest_time - MARK_MARGIN, parse_timestamp(EPOCH)))
        self._known = set(record['uuid'] for record in self.client.outgoing(self.sender, self.mark))

    def _lookup(self, recipient):
        """New matching records for ``recipient`` (possibly none); raises ApiError when the lookup fails."""
        with self._lock:
            self.lookups += 1
        found = []
        unusable = 0
        for record in self.client.outgoing(self.sender, self.mark):
            if record['uuid'] in self._known or record.get('to') != recipient:
                continue
            # 2022-05-01 records carry no text: a record without one matches on recipient alone.
            if 'text' in record and not same_text(record.get('text'), self.text):
                continue
            if not is_message_id(record['uuid']):
                unusable += 1
                continue
            found.append(record)
        if unusable and not found:
            raise ApiError('GET', '(messages of %s)' % self.sender, 'the listing shows %d new message(s) to %s with '
                           'this text whose uuid is not a message identifier (not shown)' % (unusable, recipient),
                           kind='malformed')
        return found

    def _claim(self, records):
        """The first of ``records`` not already counted for this recipient, the others as extra uuids."""
        with self._lock:
            fresh = [record for record in records if record['uuid'] not in self._claimed]
            for record in fresh:
                self._claimed.add(record['uuid'])
        return fresh

    def send(self, recipient):
        """A SendOutcome for one recipient; never raises ApiError."""
        if self.mark is None:
            raise RuntimeError('prepare() must run before send()')
        attempts = 0
        last_error = None
        while attempts < self.max_sends:
            attempts += 1
            try:
                record = self.client.send(self.sender, recipient, self.text)
            except UnusableMessageId as exc:
                # Accepted, so stored: never sent again, and its uuid is of no use.
                return SendOutcome(recipient, 'unknown', error=exc, attempts=attempts)
            except ApiError as exc:
                last_error = exc
                if not may_have_applied(exc):
                    return SendOutcome(recipient, 'failed', error=exc, attempts=attempts)
            except Exception as exc:  # pylint: disable=broad-except
                last_error = unexpected_error('POST', '(message to %s)' % recipient, exc)
            else:
                self._claim([record])
                return SendOutcome(recipient, 'sent', record=record, attempts=attempts)
            try:
                found = self._lookup(recipient)
                if not found and self.recheck_delay:
                    self._sleep(self.recheck_delay)
                    found = self._lookup(recipient)
            except Exception as lookup_error:  # pylint: disable=broad-except
                detail = lookup_error.detail if isinstance(lookup_error, ApiError) else '%s: %s' % (
                    type(lookup_error).__name__, excerpt(str(lookup_error)))
                last_error.detail += '; looking for the message afterwards failed too (%s)' % detail
                last_error.may_have_applied = True
                return SendOutcome(recipient, 'unknown', error=last_error, attempts=attempts)
            fresh = self._claim(found)
            if fresh:
                return SendOutcome(recipient, 'sent', record=fresh[0], attempts=attempts,
                                   extra_uuids=[record['uuid'] for record in fresh[1:]])
        last_error.detail += ('; the message was not found among the messages of %s after %d attempt(s), and is '
                              'not sent again' % (self.sender, attempts))
        return SendOutcome(recipient, 'unknown', error=last_error, attempts=attempts)


# Poll intervals while waiting for delivery: quick at first (most messages settle within seconds), then every
# POLL_CAP seconds. With wait_timeout T the number of rounds is at most polls_bound(T).
POLL_FIRST = 1.0
POLL_CAP = 10.0


def poll_delays(timeout):
    """The waits between rounds: 1, 2, 4, 8, 10, 10, ... seconds, adding up to at most ``timeout``."""
    delays, total, delay = [], 0.0, POLL_FIRST
    while total < timeout:
        step = min(delay, timeout - total)
        delays.append(step)
        total += step
        delay = min(delay * 2, POLL_CAP)
    return delays


def polls_bound(timeout):
    """Rounds of polling at most, the first one included: one listing each (more pages past 500 messages)."""
    return len(poll_delays(timeout)) + 1


def delivery_entry(record, recipient=None):
    """What the module reports about one message's delivery, from its record."""
    return {
        'uuid': record.get('uuid'),
        'to': record.get('to') if isinstance(record.get('to'), str) else recipient,
        'status': delivery_status(record),
        'delivered_at': record.get('delivered_at'),
        'failed_at': record.get('failed_at'),
        'carrier_error_code': record.get('carrier_errorcode', record.get('carrier_error_code')),
        'carrier_description': record.get('carrier_description'),
    }


def _pending_entry(uuid, to):
    return {'uuid': uuid, 'to': to, 'status': 'pending', 'delivered_at': None, 'failed_at': None,
            'carrier_error_code': None, 'carrier_description': None}


def _settled_in_listing(record):
    """Whether a listed record is enough to decide its delivery without reading it by uuid.

    It is when it shows an outcome, when its shape carries delivered_at and failed_at (nothing there: pending),
    or when it lists no delivery report at all (nothing happened yet: pending; the 2022-08-01 contract's list
    items carry delivery_reports but neither timestamp). A record with reports but neither timestamp, or of
    a shape that says nothing, is read by uuid.
    """
    if record.get('delivered_at') or failed_at_carrier(record):
        return True
    if 'delivered_at' in record and 'failed_at' in record:
        return True
    reports = delivery_reports_of(record)
    if reports is not None and not reports:
        return True
    # 2022-05-01: delivered_at but no failed_at; its reports are read by _decide_from_reports instead.
    return 'delivered_at' in record and reports is not None


def _decide_from_reports(client, record, entry, notes):
    """For a record without failed_at (the 2022-05-01 shape) that has delivery reports: the newest report's
    carrier error code decides failed (such a record may carry delivered_at all the same). One report read."""
    reports = delivery_reports_of(record)
    if not reports:
        return entry
    newest = reports[-1]
    if 'carrier_errorcode' not in newest and is_message_id(newest.get('uuid')):
        try:
            newest = client.delivery_report(record['uuid'], newest['uuid']) or newest
        except ApiError as exc:
            notes.append('the delivery report of message %s could not be read (%s): its delivery is taken as '
                         'pending' % (record['uuid'], exc))
            return dict(entry, status='pending')
    if newest.get('carrier_errorcode') is not None:
        return dict(entry, status='failed', failed_at=newest.get('created_at'),
                    carrier_error_code=newest.get('carrier_errorcode'),
                    carrier_description=newest.get('carrier_description'))
    return entry


def wait_for_delivery(client, sender, since, messages, timeout, sleep=time.sleep, clock=time.monotonic, notes=None):
    """Poll until every message of ``messages`` ({uuid: recipient}) is delivered or failed, or ``timeout``.

    Each round reads the sender's outgoing messages since ``since`` in one listing (one more page per 500),
    not one GET per message. A listed record that shows no outcome and no delivery report is pending, with no
    more requests; one that has delivery reports but neither delivered_at nor failed_at (the 2022-08-01 list
    shape), or that the listing does not show, is read by uuid. A record without failed_at (2022-05-01) that has
    reports is decided by its newest report's carrier error code. The carrier's error of a failed message is in
    its delivery report, read once per failed message. Wrong shapes (reports that are not a list) count as no
    information: pending, or failed without a carrier error, with a sentence in ``notes``.
    Returns (entries by uuid, rounds).
    """
    notes = notes if notes is not None else []
    entries = dict((uuid, _pending_entry(uuid, to)) for uuid, to in messages.items())
    rounds = 0
    started = clock()
    delays = poll_delays(timeout)
    while True:
        rounds += 1
        waiting = set(uuid for uuid, entry in entries.items() if entry['status'] == 'pending')
        listed = dict((record['uuid'], record) for record in client.outgoing(sender, since)
                      if record['uuid'] in waiting)
        for uuid in sorted(waiting):
            record = listed.get(uuid)
            if record is None or not _settled_in_listing(record):
                record = client.get(uuid) or record
            if record is None:
                continue
            if 'delivery_reports' in record and delivery_reports_of(record) is None:
                notes.append('message %s lists its delivery reports as %s, not as a list: they are not read from it'
                             % (uuid, describe(record['delivery_reports'])))
            entry = delivery_entry(record, messages[uuid])
            if entry['status'] != 'failed' and 'failed_at' not in record:
                entry = _decide_from_reports(client, record, entry, notes)
            if entry['status'] == 'failed' and entry['carrier_error_code'] is None:
                entry.update(_carrier_error(client, record))
            entries[uuid] = entry
        if all(entry['status'] != 'pending' for entry in entries.values()) or not delays:
            return entries, rounds
        delay = delays.pop(0)
        if clock() - started + delay > timeout + POLL_FIRST:
            return entries, rounds
        sleep(delay)


def _carrier_error(client, record):
    """carrier_error_code and carrier_description from the newest delivery report of a failed message."""
    reports = delivery_reports_of(record)
    if not reports:
        try:
            reports = [report for report in client.delivery_reports(record['uuid'], max_records=MAX_PAGE_SIZE)
                       if isinstance(report, dict)]
        except (ApiError, InvalidMessageId):
            return {}
    for report in reversed(reports):
        if report.get('carrier_errorcode') is None and is_message_id(report.get('uuid')):
            try:
                report = client.delivery_report(record['uuid'], report['uuid']) or report
            except (ApiError, InvalidMessageId):
                continue
        if report.get('carrier_errorcode') is not None:
            return {'carrier_error_code': report.get('carrier_errorcode'),
                    'carrier_description': report.get('carrier_description')}
    return {}
