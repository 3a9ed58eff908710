# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The phone-number endpoints of the Invoca SMS Messaging API, on the shared Transport.

Internal use only: not a public API of the collection, and it may change in any release.

Every number a server sends is normalised to E.164 (or refused) before a caller sees it, and no request path
is built from anything but a valid E.164 number. Creating and deleting a number are safe to resend: a repeat
answers 409 or 404, so every phone-number request uses the SAFE_TO_RESEND policy.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re
import threading

from ansible_collections.invoca.messaging.plugins.module_utils._api.conventions import (
    NOT_IN_SYSTEM,
    UNKNOWN_OBJECT,
    covering_all_time,
    is_api_not_found,
)
from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.excerpts import describe
from ansible_collections.invoca.messaging.plugins.module_utils._api.listing import MAX_PAGE_SIZE, announced_count
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import (
    InvalidPhoneNumber,
    is_active,
    normalize_phone_number,
    normalize_server_number,
)

# Phone numbers an answer's text mentions, written in any of the ways a server may write one.
_NUMBER_IN_TEXT = re.compile(r'\+?[0-9][0-9 ().-]{5,20}[0-9]')


def _record_key(record):
    """What tells two listed records apart: the number, and when it was created and deleted (a number may be listed
    twice, soft-deleted beside active). Cheaper than the whole record, for listings of 10,000 numbers."""
    return '%s|%s|%s' % (record.get('phone_number'), record.get('created_at'), record.get('deleted_at'))


def says_not_in_system(error, phone_number):
    """Whether ``error`` is the API's own answer that ``phone_number`` is not in the system: "Not Found - the
    requested phone number, +18885550100, is not in the system", mentioning no other number."""
    if not is_api_not_found(error, NOT_IN_SYSTEM):
        return False
    for mentioned in _NUMBER_IN_TEXT.findall(error.api_message):
        try:
            if normalize_server_number(mentioned) != phone_number:
                return False
        except InvalidPhoneNumber:
            continue
    return True


def _count_from(body):
    """The count endpoint's body is undocumented: accept a bare number or an object holding one."""
    candidates = [body]
    if isinstance(body, dict):
        candidates += [body.get('count'), body.get('phone_numbers_count'), body.get('total')]
        for key in ('phone_numbers', 'pagination', 'page'):
            if isinstance(body.get(key), dict):
                candidates.append(body[key].get('count'))
            elif key == 'phone_numbers':
                candidates.append(body.get(key))
    for value in candidates:
        if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
            return value
    return None


class PhoneNumberClient:
    """get, list (every page), count, create and delete phone numbers.

    One instance per task, on one Transport; it may be shared by worker threads.
    """

    def __init__(self, transport):
        self.transport = transport
        self._create_on_collection = False
        self._routes_known = None
        self._probe_lock = threading.Lock()

    def close(self):
        self.transport.close()

    def retry_summary(self):
        return self.transport.retry_summary()

    def _path(self, phone_number=None):
        if phone_number is None:
            return self.transport.path('phone_numbers')
        # Never a path from anything else: no empty segment, "..", "count" or "/" can reach the URL.
        if not isinstance(phone_number, str) or normalize_phone_number(phone_number) != phone_number:
            raise InvalidPhoneNumber('refusing to build a request path from %r: not an E.164 number'
                                     % (phone_number,))
        return self.transport.path('phone_numbers', phone_number)

    def checked_record(self, method, path, answer, record):
        """``record`` with its number in E.164; ApiError (malformed, naming the record) if it has no usable one."""
        if not isinstance(record, dict) or 'phone_number' not in record:
            raise ApiError(method, path, self.transport.redact(
                'the server sent a record that is not an object with a phone_number: %s' % describe(record)),
                status=answer.status, kind='malformed')
        try:
            number = normalize_server_number(record['phone_number'])
        except InvalidPhoneNumber:
            raise ApiError(method, path, self.transport.redact(
                'the server sent a record whose phone_number %s is not an E.164 number: %s; nothing was written'
                % (describe(record['phone_number']), describe(record))), status=answer.status, kind='malformed')
        if number != record['phone_number']:
            record = dict(record, phone_number=number)
        return record

    def _record(self, method, path, answer, required):
        """The phone_number object of a single-record answer.

        Unless ``required``, an answer documented to carry no record gives None: 204 No Content, or ``{}`` (the
        2022-05-01 create). Any other answer without a record is malformed: a 200 with an empty body is not
        proof that the write happened.
        """
        body = answer.body
        if not required and (body == {} or answer.status == 204):
            return None
        record = body.get('phone_number') if isinstance(body, dict) else None
        if not isinstance(record, dict):
            raise self.transport.malformed(method, path, answer, 'an object {"phone_number": {...}}')
        return self.checked_record(method, path, answer, record)

    def is_not_found(self, error, phone_number):
        """Whether ``error`` is the API's own answer that ``phone_number`` is not in the system.

        The 2022-08-01 text names the number ("... the requested phone number, +18885550100, is not in the
        system"); the 2022-05-01 generic text counts only on a server whose phone-number routes answer. A gateway's
        bare "Not Found", an HTML page or a wrong URL never means "absent". Nor does any 404 that came after a
        redirect: the answer is then another server's (or another path's), whatever its words.
        """
        if says_not_in_system(error, phone_number):
            return True
        return is_api_not_found(error, UNKNOWN_OBJECT) and self._phone_number_routes_answer()

    def _phone_number_routes_answer(self):
        """One listing request per client, the first time it matters: does this server serve phone numbers?"""
        with self._probe_lock:
            if self._routes_known is None:
                answer = self.transport.request('GET', self._path(), covering_all_time(()) + [('limit', 1)])
                self._routes_known = answer.status == 200 and isinstance(answer.body, dict) and isinstance(
                    answer.body.get('phone_numbers'), list)
            return self._routes_known

    # -- the endpoints ----------------------------------------------------------------------------------------

    def get(self, phone_number):
        """The record of one number (soft-deleted ones included), or None when the API says it does not know it."""
        path = self._path(phone_number)
        answer = self.transport.request('GET', path)
        if answer.status == 200:
            return self._expect(phone_number, 'GET', path, answer, self._record('GET', path, answer, required=True))
        error = self.transport.error('GET', path, answer)
        if self.is_not_found(error, phone_number):
            return None
        raise error

    def _expect(self, phone_number, method, path, answer, record):
        if record is not None and record['phone_number'] != phone_number:
            raise ApiError(method, path, 'the server contradicted the request: asked about %s, it answered with the '
                           'record of %s' % (phone_number, record['phone_number']), status=answer.status,
                           kind='contradiction', may_have_applied=method != 'GET')
        return record

    def create(self, phone_number):
        """Create (or re-enable) a number. Returns (record or None, created): created is False on 409."""
        if not self._create_on_collection:
            path = self._path(phone_number)
            answer = self.transport.request('POST', path)
            # The published contract creates at /phone_numbers/{n}; the older page documents POST /phone_numbers.
            # A server without the first route answers 404/405, and the client switches for the rest of the task.
            if answer.status in (404, 405) and self.transport.error('POST', path, answer).kind != 'version':
                self._create_on_collection = True
            else:
                return self._created(phone_number, path, answer)
        path = self._path()
        answer = self.transport.request('POST', path, body={'phone_number': phone_number})
        return self._created(phone_number, path, answer)

    def _created(self, phone_number, path, answer):
        if answer.status in (200, 201, 204):
            record = self._expect(phone_number, 'POST', path, answer,
                                  self._record('POST', path, answer, required=False))
            if record is not None and not is_active(record):
                raise ApiError('POST', path, 'the server contradicted itself: it answered %d (created) with a record of '
                               '%s that is soft-deleted (deleted_at %s)' % (answer.status, phone_number,
                                                                            describe(record.get('deleted_at'))),
                               status=answer.status, kind='contradiction', may_have_applied=True)
            return record, True
        if answer.status == 409:
            return None, False
        raise self.transport.error('POST', path, answer)

    def delete(self, phone_number):
        """Soft-delete a number. Returns (record or None, deleted): deleted is False when the API says it is not
        in the system."""
        path = self._path(phone_number)
        answer = self.transport.request('DELETE', path)
        if answer.status in (200, 202, 204):
            record = self._expect(phone_number, 'DELETE', path, answer,
                                  self._record('DELETE', path, answer, required=False))
            if record is not None and is_active(record):
                raise ApiError('DELETE', path, 'the server contradicted itself: it answered %d (deleted) with a '
                               'record of %s that is not soft-deleted (deleted_at is empty)'
                               % (answer.status, phone_number), status=answer.status, kind='contradiction',
                               may_have_applied=True)
            return record, True
        error = self.transport.error('DELETE', path, answer)
        if self.is_not_found(error, phone_number):
            return None, False
        raise error

    def listing(self, query=(), max_records=None, page_size=MAX_PAGE_SIZE):
        """A Listing of every record matching ``query`` (soft-deleted ones included unless filtered out).

        Records come with their number normalised to E.164; a record without a usable number stops the listing
        with an ApiError that names it. A number may appear more than once (an old soft-deleted record beside
        an active one): callers decide what that means.
        """
        return self.transport.listing(self._path(), 'phone_numbers', covering_all_time(query),
                                      page_size=page_size, max_items=max_records, item_key=_record_key,
                                      extract=lambda path, answer, item: self.checked_record('GET', path, answer,
                                                                                             item))

    def iter_phone_numbers(self, query=(), limit=MAX_PAGE_SIZE):
        return iter(self.listing(query, page_size=limit))

    def count(self, query=()):
        """How many numbers match. Uses GET /phone_numbers/count where the server has it; else the list's count."""
        query = covering_all_time(query)
        path = self.transport.path('phone_numbers', 'count')
        answer = self.transport.request('GET', path, query)
        if answer.status == 200:
            number = _count_from(answer.body)
            if number is None:
                raise self.transport.malformed('GET', path, answer, 'a count')
            return number
        if answer.status not in (404, 405, 422) or self.transport.error('GET', path, answer).kind == 'version':
            # 404/405/422 mean this server has no count route (count is taken for a phone number); others are real.
            raise self.transport.error('GET', path, answer)
        return announced_count(self.transport.listing(self._path(), 'phone_numbers', query, page_size=1, max_items=1))
