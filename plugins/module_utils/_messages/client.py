# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The /messages endpoints of the Invoca SMS Messaging API, on the shared Transport.

Internal use only: not a public API of the collection, and it may change in any release.

Reads and the soft delete are safe to resend. Sending is not: POST /messages has no idempotency key, and the
API stores three identical messages sent a second apart as three messages. So a send uses NOT_SAFE_TO_RESEND
(only a request that never reached the API, and a 429, are retried); what an unclear outcome means is decided
by _messages.sending. No Ansible here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import re
import threading


from ansible_collections.invoca.messaging.plugins.module_utils._api.conventions import (
    NO_DELIVERY_REPORT,
    NO_MESSAGES_FOR_NUMBER,
    NO_MESSAGE_FOR_UUID,
    covering_all_time,
    is_api_not_found,
)
from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.excerpts import describe
from ansible_collections.invoca.messaging.plugins.module_utils._api.listing import MAX_PAGE_SIZE, announced_count
from ansible_collections.invoca.messaging.plugins.module_utils._api.retry import NOT_SAFE_TO_RESEND
from ansible_collections.invoca.messaging.plugins.module_utils._messages.records import (
    InvalidMessageId,
    check_message_id,
    format_timestamp,
    is_message_id,
    is_outgoing,
    parse_timestamp,
)
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.client import says_not_in_system
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import (
    InvalidPhoneNumber,
    normalize_phone_number,
    normalize_server_number,
)

# One message has one report per delivery attempt: a handful. Past this many, the summaries are returned as listed.
MAX_DETAILED_REPORTS = 20
# The 2022-05-01 answer to a body that is not one object ("must be a JSON hash").
_NOT_A_HASH = re.compile(r'must be a JSON hash', re.IGNORECASE)
# How far past the start of a listing a newest-first server may list a record older than the start before the
# listing is taken to have left the window: API hosts stamp records with clocks that differ by seconds.
_ORDER_SLACK = datetime.timedelta(minutes=2)
# Records in a row each older than the one before: a listing in that order is newest first.
_FALLING_RUN = 10


class SendReceipt:
    """A send the API accepted: the answer's status and the message records its body holds (perhaps none)."""

    def __init__(self, status, records):
        self.status = status
        self.records = records


def proven_not_stored(error):
    """Whether a failed send proves that the API stored nothing, so that the message may be sent again.

    A request that never reached the API (refused connection, unresolvable name, TLS handshake, a circuit or
    budget that stopped it before sending) or a refusal (4xx, 429 included) proves it; a timeout, reset, 5xx,
    gateway error, redirect, 408/409 or an answer that cannot be read does not.
    """
    if error.kind == 'http':
        return error.status is not None and 400 <= error.status < 500 and error.status not in (408, 409)
    if error.kind in ('transport', 'unreachable', 'budget', 'not_attempted', 'version'):
        return not error.may_have_applied
    return False


class _TolerantListing:
    """A Listing of a per-number endpoint that answers 404 "Could not find any messages" for none at all."""

    def __init__(self, listing):
        self._listing = listing
        self.empty = False

    @property
    def path(self):
        return self._listing.path

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
            # Only the first page may say "none at all": on a later page the same words contradict the earlier ones.
            if is_api_not_found(exc, NO_MESSAGES_FOR_NUMBER) and not self._listing.pages_read:
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
        # 2022-08-01 with an array. A server that refuses the array that way gets one object from then on, from
        # every worker of the task.
        self._object_body = transport.api_version < '2022-08-01'
        self._lock = threading.Lock()

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

    def post(self, sender, recipient, text):
        """POST one message to one recipient; never resent after an unclear failure. Returns a SendReceipt.

        Any 2xx is the API's acceptance whatever its body ({} or empty, as 2022-05-01 documents, or a page of other
        messages), and so is a 303 See Other: the receipt lists the records the body holds, which may or may not
        include the new message. Anything else raises ApiError (proven_not_stored tells what it proves).
        """
        path = self.transport.path('messages')
        with self._lock:
            object_body = self._object_body
        try:
            answer = self.transport.request('POST', path, body=self._send_body(object_body, sender, recipient, text),
                                            policy=NOT_SAFE_TO_RESEND)
            if answer.status == 400 and not object_body and _NOT_A_HASH.search(
                    self.transport.error('POST', path, answer).api_message or ''):
                # Refused as a whole before anything was stored: this send again, and every later one of the task,
                # goes as one object.
                with self._lock:
                    self._object_body = True
                answer = self.transport.request('POST', path, body=self._send_body(True, sender, recipient, text),
                                                policy=NOT_SAFE_TO_RESEND)
        except ApiError as exc:
            if exc.kind == 'redirect' and exc.status == 303:
                return SendReceipt(303, [])
            if exc.kind == 'malformed' and exc.status is not None and 200 <= exc.status < 300:
                return SendReceipt(exc.status, [])
            if exc.kind == 'redirect':
                # The server answered the write itself: it may have stored the message before pointing elsewhere.
                exc.may_have_applied = True
            raise
        if 200 <= answer.status < 300:
            return SendReceipt(answer.status, self._records_in(path, answer))
        error = self.transport.error('POST', path, answer)
        error.may_have_applied = not proven_not_stored(error)
        raise error

    @staticmethod
    def _send_body(object_body, sender, recipient, text):
        if object_body:
            return {'to': recipient, 'from': sender, 'text': text}
        return [{'to': [recipient], 'from': sender, 'text': text}]

    def _records_in(self, path, answer):
        """The readable message records of a send's answer (none for {} or an empty body)."""
        body = answer.body if isinstance(answer.body, dict) else {}
        items = body.get('messages') if isinstance(body.get('messages'), list) else []
        if isinstance(body.get('message'), dict):
            items = [body['message']]
        records = []
        for item in items[:MAX_PAGE_SIZE]:
            try:
                records.append(self.checked_message('POST', path, answer, item))
            except ApiError:
                continue
        return records

    # -- reading ----------------------------------------------------------------------------------------------

    def listing(self, query=(), max_records=None, page_size=MAX_PAGE_SIZE):
        """A Listing of GET /messages. Without a created_at filter the API shows only today's messages, so one
        covering all time is added."""
        return self.transport.listing(self.transport.path('messages'), 'messages', covering_all_time(query), page_size=page_size,
                                      max_items=max_records, item_key=lambda item: item['uuid'],
                                      extract=self._extract)

    def outgoing(self, sender, since):
        """The messages ``sender`` sent at or after ``since`` (a datetime), one at a time as the listing is read.

        Filtered on the server by from, direction and created_at, and again here: a server that ignores a filter
        must not make another number's message look like ours. Oldest first is asked for (the contract's
        description says desc, its overview and examples asc); a server that lists newest first all the same is
        followed until its records leave the window, and a listing that grows while it is read is tolerated.
        """
        query = [('from[eq]', sender), ('direction[eq]', self.outgoing_direction),
                 ('created_at[gte]', format_timestamp(since)), ('sort', 'created_at:asc')]
        listing = self.transport.listing(self.transport.path('messages'), 'messages', query,
                                         item_key=lambda item: item['uuid'], extract=self._extract, growing=True)
        # Newest first shows as a run of records each older than the one before, or as a record older than the
        # newest seen by more than API hosts' clocks differ; an oldest-first listing (one that ignores the
        # created_at filter too) has at most a stray inversion of seconds, and stopping there could hide a copy
        # from the dedupe. Past the window, a newest-first listing only gets older.
        newest_first = False
        newest = previous = None
        falling = 0
        for record in listing:
            if record.get('from') != sender or not is_outgoing(record):
                continue
            created = parse_timestamp(record.get('created_at'))
            if created is not None and previous is not None:
                falling = falling + 1 if created < previous else 0 if created > previous else falling
                newest_first = newest_first or falling >= _FALLING_RUN or created < newest - _ORDER_SLACK
            if created is not None:
                previous = created
                newest = created if newest is None or created > newest else newest
            if created is None or created < since:
                if newest_first and created is not None and created < since - _ORDER_SLACK:
                    return
                continue
            yield record

    def count(self, query=(), phone_number=None):
        """How many messages match (of ``phone_number``, when given): the total a one-record page announces, since
        the API has no count endpoint for messages."""
        if phone_number is not None:
            return announced_count(self.by_number(phone_number, query, max_records=1, page_size=1))
        return announced_count(self.listing(query, max_records=1, page_size=1))

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
        if is_api_not_found(error, NO_MESSAGE_FOR_UUID):
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
        if is_api_not_found(error, NO_MESSAGE_FOR_UUID):
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
        if says_not_in_system(error, number):
            return None
        raise error

    def delivery_reports(self, message_uuid, query=(), max_records=None):
        """A listing of a message's delivery reports (oldest first)."""
        path = self.transport.path('messages', 'uuid', check_message_id(message_uuid), 'delivery_reports')
        return self.transport.listing(path, 'delivery_reports', query, max_items=max_records)

    def detailed_delivery_reports(self, message_uuid):
        """The delivery reports of one message, each completed with its own record (destination, carrier error);
        past MAX_DETAILED_REPORTS, the summaries as listed."""
        detailed = []
        for index, report in enumerate(self.delivery_reports(message_uuid)):
            detail = None
            if index < MAX_DETAILED_REPORTS and isinstance(report, dict) and isinstance(report.get('uuid'), str):
                try:
                    detail = self.delivery_report(message_uuid, report['uuid'])
                except InvalidMessageId:
                    detail = None
            detailed.append(dict(report, **detail) if isinstance(report, dict) and isinstance(detail, dict) else report)
        return detailed

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
        if is_api_not_found(error, NO_DELIVERY_REPORT):
            return None
        raise error
