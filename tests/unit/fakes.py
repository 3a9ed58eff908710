# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test doubles shared by the unit tests: a scripted stand-in for requests.Session, a fake clock and sleep, an
in-memory PhoneNumberClient and an in-memory MessageClient.

Nothing here touches the network or really sleeps.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json as jsonlib
import threading
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.transport import Transport
from ansible_collections.invoca.messaging.plugins.module_utils._messages.client import SendReceipt, proven_not_stored
from ansible_collections.invoca.messaging.plugins.module_utils._messages.records import (
    check_message_id,
    format_timestamp,
    parse_timestamp,
)
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.client import PhoneNumberClient
from ansible_collections.invoca.messaging.tests.unit.api_examples import (
    MESSAGE_404,
    SEND_2022_08_01_202,
    UNPROCESSABLE_422_TEXT,
    record_fields,
)

TOKEN = 'tok-S3CRET-9f2c41d7e8'
API_URL = 'https://messaging.example.test'
N1 = '+18885550100'
N2 = '+18885550101'
N3 = '+18885550102'
N4 = '+18885550103'


def response(status=200, body=None, raw=None, headers=None, content_type='application/json', url=None):
    """A real requests.Response with the given status and body.

    ``body`` is JSON-encoded; ``raw`` (bytes or str) is sent as it is; neither gives an empty body.
    """
    resp = requests.Response()
    resp.status_code = status
    if raw is not None:
        resp._content = raw.encode('utf-8') if isinstance(raw, str) else raw
    elif body is not None:
        resp._content = jsonlib.dumps(body).encode('utf-8')
    else:
        resp._content = b''
    # The body is already in memory: close() must not try to release a connection that does not exist.
    resp._content_consumed = True
    resp.headers = CaseInsensitiveDict(headers or {})
    if content_type and 'Content-Type' not in resp.headers:
        resp.headers['Content-Type'] = content_type
    resp.url = url or API_URL + '/'
    resp.encoding = 'utf-8'
    return resp


def api_error(status, message='boom', kind='http', method='POST', path='/sms/2022-08-01/phone_numbers/%2B18885550100',
              available_versions=None):
    return ApiError(method, path, message, status=status, kind=kind, api_message=message,
                    available_versions=available_versions)


class Sent:
    """One request as the fake session saw it."""

    def __init__(self, method, url, json_body, timeout, verify, headers, clock_time, thread):
        self.method = method
        self.url = url
        self.json = json_body
        self.timeout = timeout
        self.verify = verify
        self.headers = headers
        self.clock_time = clock_time
        self.thread = thread
        parts = urlsplit(url)
        self.path = parts.path
        self.query = parts.query
        self.params = parse_qsl(parts.query, keep_blank_values=True)

    def __repr__(self):
        return '<Sent %s %s>' % (self.method, self.url)


class UnexpectedRequest(BaseException):
    """A request a test did not script. Not an Exception: the transport reports every Exception raised during an
    exchange as a failed request, which would hide the test's mistake."""


class FakeSession:
    """Replaces requests.Session: answers each request from a script, or from ``handler(sent)``.

    A script item (or a handler's return value) is a requests.Response, an exception instance to raise, or a
    callable taking the Sent request and returning one of those. Requests past the end of the script fail the
    test with UnexpectedRequest, which the client does not catch.
    """

    def __init__(self, script=(), handler=None, clock=None):
        self.headers = {}
        self.auth = None
        self.max_redirects = 30
        self.sent = []
        self.closed = False
        self.mounted = []
        self._script = list(script)
        self._handler = handler
        self._clock = clock
        self._lock = threading.Lock()

    def mount(self, prefix, adapter):
        self.mounted.append((prefix, adapter))

    def close(self):
        self.closed = True

    def request(self, method, url, json=None, timeout=None, verify=None, headers=None, allow_redirects=True,
                stream=False, **kwargs):
        assert not kwargs, 'unexpected request arguments %r' % (kwargs,)
        prepared = requests.Request(method, url, headers=dict(self.headers, **(headers or {}))).prepare()
        if self.auth is not None:
            prepared = self.auth(prepared)
        sent = Sent(method, url, json, timeout, verify, dict(prepared.headers),
                    self._clock() if self._clock else None, threading.current_thread().name)
        with self._lock:
            self.sent.append(sent)
            if self._handler is not None:
                item = self._handler(sent)
            else:
                if not self._script:
                    raise UnexpectedRequest('unexpected request: %r (the script is exhausted)' % (sent,))
                item = self._script.pop(0)
        if callable(item) and not isinstance(item, (requests.Response, BaseException)):
            item = item(sent)
        if isinstance(item, BaseException):
            raise item
        return item

    @property
    def remaining(self):
        return len(self._script)


class FakeClock:
    """A monotonic clock that only moves when told to (or when FakeSleep sleeps)."""

    def __init__(self, start=1000.0):
        self.now = start
        self._lock = threading.Lock()

    def __call__(self):
        with self._lock:
            return self.now

    def advance(self, seconds):
        with self._lock:
            self.now += seconds


class FakeSleep:
    """Records every requested delay and moves the fake clock by it; never really sleeps."""

    def __init__(self, clock):
        self.clock = clock
        self.calls = []
        self._lock = threading.Lock()

    def __call__(self, seconds):
        with self._lock:
            self.calls.append(seconds)
        self.clock.advance(seconds)

    @property
    def total(self):
        return sum(self.calls)


class EdgeRng:
    """A random.Random stand-in whose uniform() returns one end of the range and records the range asked for."""

    def __init__(self, end='low'):
        self.end = end
        self.ranges = []

    def uniform(self, low, high):
        self.ranges.append((low, high))
        return low if self.end == 'low' else high


class Harness:
    """A real PhoneNumberClient wired to a FakeSession, a FakeClock and a FakeSleep."""

    def __init__(self, script=(), handler=None, rng=None, clock=None, sleep=None, **kwargs):
        self.clock = clock or FakeClock()
        self.sleep = sleep or FakeSleep(self.clock)
        self.session = FakeSession(script, handler, clock=self.clock)
        kwargs.setdefault('api_token', TOKEN)
        kwargs.setdefault('api_url', API_URL)
        self.transport = Transport(session=self.session, sleep=self.sleep, clock=self.clock,
                                   rng=rng if rng is not None else EdgeRng('high'), **kwargs)
        self.client = PhoneNumberClient(self.transport)

    @property
    def sent(self):
        return self.session.sent

    def calls(self):
        """(method, path, query) of every request, in order."""
        return [(s.method, s.path, s.query) for s in self.session.sent]


# What the API puts in a record, and the fewer fields of a list item (2022-08-01), from tests/api_reference.
FULL_FIELDS = record_fields('phone_number')
LIST_FIELDS = record_fields('phone_number', shape='list_item')


def active_record(number):
    """The whole record of an active number, as GET /phone_numbers/{n} of 2022-08-01 answers it."""
    return {'phone_number': number, 'deleted_at': None, 'virtual_line_id': 100, 'network_id': 12345,
            'created_at': '2022-03-14T20:30:12.000Z', 'enabled_at': '2022-03-14T20:30:12.000Z',
            'carrier_interface': 'bandwidth'}


class FakeListing:
    """What FakeClient.listing returns: iterable, with ``truncated`` set once iteration stops at max_records."""

    def __init__(self, records, max_records):
        self._records = records
        self._max = max_records
        self.truncated = False
        self.count = len(records)

    def __iter__(self):
        for index, record in enumerate(self._records):
            if self._max is not None and index >= self._max:
                self.truncated = True
                return
            yield record


class FakeClient:
    """An in-memory stand-in for PhoneNumberClient, for the module tests.

    ``records`` is the state of the network (soft-deleted records included), in created_at order. ``errors`` maps
    (action, number) to the ApiError that call raises; ``list_error`` is raised by iter_phone_numbers. Every call
    is recorded in ``calls`` as (action, argument).

    It answers as PhoneNumberClient does against the API (tests/simulator/test_api_model_contract.py runs the
    same scenarios against both): soft delete; a delete of a deleted number changes nothing but is reported
    as deleted (the API answers 200 with the record); create of a deleted number re-enables the same record;
    list items have the list's fewer fields, in created_at order.
    """

    def __init__(self, records=(), errors=None, list_error=None, count_value=None):
        self.records = dict((r['phone_number'], dict(r)) for r in records)
        self.errors = dict(errors or {})
        self.list_error = list_error
        self.count_value = count_value
        self.calls = []
        self.closed = False
        self.constructions = []
        self.page_sizes = []
        self.retries = None
        self._lock = threading.Lock()
        self._clock_ms = 0
        self._next_virtual_line_id = 201

    def _tick(self):
        """A timestamp later than every one before, as the API's are."""
        self._clock_ms += 1
        now = datetime.datetime(2026, 1, 1) + datetime.timedelta(milliseconds=self._clock_ms)
        return now.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (now.microsecond // 1000)

    def __call__(self, **kwargs):
        """Stands in for the PhoneNumberClient class: 'constructing' it records the options and returns self."""
        self.constructions.append(kwargs)
        return self

    @property
    def constructed(self):
        return bool(self.constructions)

    @property
    def init_kwargs(self):
        assert len(self.constructions) == 1, 'expected one client, the module made %d' % len(self.constructions)
        return self.constructions[0]

    def _enter(self, action, number):
        with self._lock:
            self.calls.append((action, number))
        error = self.errors.get((action, number))
        if error is not None:
            raise error

    @property
    def writes(self):
        return [c for c in self.calls if c[0] in ('create', 'delete')]

    def active_numbers(self):
        return sorted(n for n, r in self.records.items() if not r.get('deleted_at'))

    def get(self, number):
        self._enter('get', number)
        record = self.records.get(number)
        return dict(record) if record is not None else None

    def create(self, number):
        self._enter('create', number)
        with self._lock:
            record = self.records.get(number)
            if record is not None and not record.get('deleted_at'):
                return None, False
            now = self._tick()
            if record is not None:
                # The API re-enables the soft-deleted record: same created_at and virtual line.
                record.update(deleted_at=None, enabled_at=now)
                return dict(record), True
            record = {'phone_number': number, 'virtual_line_id': self._next_virtual_line_id, 'network_id': 12345,
                      'created_at': now, 'enabled_at': now, 'deleted_at': None, 'carrier_interface': 'bandwidth'}
            self._next_virtual_line_id += 1
            self.records[number] = record
            return dict(record), True

    def delete(self, number):
        self._enter('delete', number)
        with self._lock:
            record = self.records.get(number)
            if record is None:
                return None, False
            if not record.get('deleted_at'):
                record['deleted_at'] = self._tick()
            return dict(record), True

    def iter_phone_numbers(self, query=(), limit=500):
        self._enter('list', (tuple(query), limit() if callable(limit) else limit))
        if self.list_error is not None:
            raise self.list_error
        only_active = ('deleted_at[empty]', None) in list(query)
        for record in list(self.records.values()):
            if only_active and record.get('deleted_at'):
                continue
            yield dict((field, record[field]) for field in LIST_FIELDS if field in record)

    def listing(self, query=(), max_records=None, page_size=500):
        """Stands in for PhoneNumberClient.listing: the records, at most max_records, and whether more remain."""
        with self._lock:
            self.page_sizes.append(page_size)
        return FakeListing(list(self.iter_phone_numbers(query, page_size)), max_records)

    def count(self, query=()):
        self._enter('count', tuple(query))
        if self.count_value is not None:
            return self.count_value
        return len(self.active_numbers())

    def close(self):
        self.closed = True

    def retry_summary(self):
        return self.retries


# What a 2022-08-01 message record holds, in every answer (send, list, get, delete), from tests/api_reference.
MESSAGE_FIELDS = record_fields('message')
# What a list item of the 2022-08-01 contract holds: no delivered_at nor failed_at (the simulator's
# list_item_fields: contract).
CONTRACT_LIST_FIELDS = record_fields('message', shape='list_item')
MESSAGES_PATH = '/sms/2022-08-01/messages'
# The records of a send's answer page, as the contract's example pages it.
OTHER_PAGE_ITEMS = SEND_2022_08_01_202['pagination']['items']
MESSAGE_CLOCK_START = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
# The fault knobs of FakeMessageClient.post (see its docstring).
SEND_FAULTS = ('refused', 'never_reached', 'unapplied_5xx', 'lost', 'applied_5xx', 'late', 'accepted_unnamed',
               'accepted_other_page', 'see_other')


def _send_error(status, body_text, applied_detail=None):
    """The ApiError MessageClient.post raises for an HTTP answer ``status`` whose body is ``body_text`` (an API
    example): may_have_applied as post sets it, from proven_not_stored."""
    body = jsonlib.loads(body_text)
    error = ApiError('POST', MESSAGES_PATH, applied_detail or body['message'], status=status,
                     api_message=body['message'], errors=body.get('errors'))
    error.may_have_applied = not proven_not_stored(error)
    return error


class FakeMessageClient:
    """An in-memory stand-in for MessageClient: the messages of one network, on a simulated clock.

    It answers as MessageClient does against the API (tests/simulator/test_messages_model_contract.py runs the
    same scenarios against both): post stores one outgoing message per call, one clock millisecond later than
    anything before, and returns a SendReceipt naming it; a sender that is not one of ``senders`` (None: any
    number) is refused with 422 and nothing is stored; outgoing() streams the sender's outgoing messages created
    at or after a datetime, oldest first; lists include soft-deleted messages; get and delete of an unknown uuid
    give None (and of a value that cannot be a uuid raise InvalidMessageId, before any request); a delete is soft
    and a second one changes nothing.

    Fault knobs for post, each raising or answering as MessageClient.post would (may_have_applied included):

    - ``faults``: applied to the next posts in order, whatever the recipient; ``recipient_faults``: applied to
      every post to that recipient. A fault is one of SEND_FAULTS:
      'refused' (422, nothing stored), 'never_reached' (a refused connection: nothing stored, may_have_applied
      False), 'unapplied_5xx' (503, nothing stored, but the client cannot know it), 'lost' (stored, then no
      answer), 'applied_5xx' (stored, then 500), 'late' (stored, no answer, and hidden from outgoing() until
      release(): the API stores through a queue), 'accepted_unnamed' (stored, 200 {} as 2022-05-01 documents:
      a receipt without records), 'accepted_other_page' (stored, a 202 page of the sender's earlier messages,
      never the new one), 'see_other' (stored, 303: a receipt without records); or an ApiError instance, raised
      before anything is stored.
    - ``lookup_error``: once anything was posted, outgoing() fails with 500 when it is read.
    - ``listing_lag`` (seconds): a posted message shows in outgoing() only once the clock reaches its created_at
      plus the lag (get() sees it at once), as the simulator's listing_lag_seconds.
    - ``contract_list_items``: outgoing() items carry only the contract's list fields (no delivered_at, failed_at),
      as the simulator's list_item_fields: contract.
    - ``send_skew`` (seconds): added to the created_at of each message posted, as an API host whose clock is off
      would stamp it; ``text_transform`` (a callable): how the API stores a text (say, trimmed).

    The clock starts at ``clock_start`` (a datetime; the simulator's --clock-start): MESSAGE_CLOCK_START pins it for
    tests that compare timestamps, this machine's time suits a dedupe window measured on both clocks.

    Delivery follows the simulator: a message's outcome (``message_outcomes[to]``, else ``default_outcome``) is
    fixed when it is posted and settles ``delivery_delay`` simulated seconds later; advance_clock() moves the
    clock. Every call is recorded in ``calls`` as (action, argument).
    """

    def __init__(self, messages=(), senders=None, faults=(), recipient_faults=None, lookup_error=False,
                 default_outcome='delivered', message_outcomes=None, delivery_delay=1.0, listing_lag=0.0,
                 contract_list_items=False, send_skew=0.0, text_transform=None, clock_start=MESSAGE_CLOCK_START):
        self.stored = []
        self.senders = None if senders is None else set(senders)
        self.faults = list(faults)
        self.recipient_faults = dict(recipient_faults or {})
        self.lookup_error = lookup_error
        self.default_outcome = default_outcome
        self.message_outcomes = dict(message_outcomes or {})
        self.delivery_delay = delivery_delay
        self.listing_lag = listing_lag
        self.contract_list_items = contract_list_items
        self.send_skew = send_skew
        self.text_transform = text_transform
        self.calls = []
        self.hidden = set()
        self.closed = False
        self.retries = None
        self.constructions = []
        self._now = clock_start
        self._outcomes = {}
        self._reports = {}
        self._listed_at = {}
        self._lock = threading.RLock()
        self._next_id = 0
        self._next_message = 0
        self._posts = 0
        for item in messages:
            self.add(item)

    def __call__(self, transport):
        """Stands in for the MessageClient class: 'constructing' it records the transport and returns self."""
        self.constructions.append(transport)
        return self

    def close(self):
        self.closed = True

    def retry_summary(self):
        return self.retries

    # -- the state ---------------------------------------------------------------------------------------------

    def now(self):
        """The simulated clock (a datetime), as the server's Date would tell it."""
        with self._lock:
            return self._now

    def add(self, record):
        """Store a message as it is (a message that existed before the test); the clock moves past it."""
        with self._lock:
            self.stored.append(dict(record))
            created = parse_timestamp(record.get('created_at'))
            if created is not None and created > self._now:
                self._now = created

    def store_message(self, sender, recipient, text='', direction='out', created_at=None, outcome=None,
                      deleted=False):
        """Store any message as if it had been there all along, as the simulator's store_message does: created_at
        (a datetime) in the past or the future; an outgoing one's outcome settled at once, dated created_at plus
        delivery_delay; listed at once whatever the listing lag. Returns the record."""
        with self._lock:
            item = self._store(sender, recipient, text, direction)
            if created_at is not None:
                item['created_at'] = format_timestamp(created_at)
                if direction == 'in':
                    item['delivered_at'] = item['created_at']
            self._listed_at.pop(item['uuid'], None)
            if direction == 'out':
                self._outcomes[item['uuid']] = outcome or self.message_outcomes.get(recipient, self.default_outcome)
                self._settle(force=item['uuid'])
            if deleted:
                item['deleted_at'] = max(item['created_at'], format_timestamp(self._now))
            return dict(item)

    def _tick(self):
        self._now += datetime.timedelta(milliseconds=1)
        return format_timestamp(self._now)

    def _new_id(self, prefix):
        self._next_id += 1
        return '%s%d' % (prefix, self._next_id)

    def _store(self, sender, recipient, text, direction):
        now = self._tick()
        self._next_message += 1
        item = {'uuid': 'm%d' % self._next_message, 'cuid': 'c%d' % self._next_message, 'from': sender, 'to': recipient,
                'text': text, 'direction': direction, 'created_at': now, 'deleted_at': None,
                'delivered_at': now if direction == 'in' else None, 'failed_at': None, 'segments': 1,
                'carrier_message_id': None, 'virtual_line_id': 201, 'delivery_reports': []}
        self.stored.append(item)
        if direction == 'out':
            self._outcomes[item['uuid']] = self.message_outcomes.get(recipient, self.default_outcome)
        return item

    def inbound(self, sender, recipient, text):
        """A message received by ``recipient`` (direction in), as the simulator's POST /_sim/inbound stores it."""
        with self._lock:
            return dict(self._store(sender, recipient, text, 'in'))

    def advance_clock(self, seconds):
        with self._lock:
            self._now += datetime.timedelta(seconds=seconds)
            self._settle()

    def release(self):
        """The messages of 'late' posts show in outgoing() from now on."""
        with self._lock:
            self.hidden = set()

    def _settle(self, force=None):
        """Deliver or fail what became due (``force``: that message whatever the clock), as the simulator does
        before answering a request."""
        for item in self.stored:
            outcome = self._outcomes.get(item['uuid'])
            created = parse_timestamp(item.get('created_at'))
            if outcome not in ('delivered', 'failed') or created is None:
                continue
            due = created + datetime.timedelta(seconds=self.delivery_delay)
            if due > self._now and item['uuid'] != force:
                continue
            del self._outcomes[item['uuid']]
            when = format_timestamp(due)
            report = {'progress_bit': 1 if outcome == 'delivered' else 0, 'created_at': when,
                      'uuid': self._new_id('dr')}
            item['carrier_message_id'] = self._new_id('')
            item['delivered_at' if outcome == 'delivered' else 'failed_at'] = when
            item['delivery_reports'] = list(item.get('delivery_reports') or []) + [report]
            self._reports[report['uuid']] = dict(
                report, message_uuid=item['uuid'], destination=item['to'],
                carrier_description='Message delivered to carrier.' if outcome == 'delivered' else 'Invalid destination',
                carrier_errorcode=None if outcome == 'delivered' else 4720)

    def _enter(self, action, argument):
        self.calls.append((action, argument))
        self._settle()

    def _find(self, uuid):
        return next((item for item in self.stored if item['uuid'] == uuid), None)

    @property
    def sends(self):
        """The recipients of every post, in order."""
        return [argument[1] for action, argument in self.calls if action == 'post']

    @property
    def lookups(self):
        """How many times outgoing() was read."""
        return sum(1 for action, dummy in self.calls if action == 'outgoing')

    @property
    def deleted(self):
        """The uuids of the messages that a delete call soft-deleted (a second delete is not one)."""
        return [argument for action, argument in self.calls if action == 'deleted']

    # -- MessageClient -----------------------------------------------------------------------------------------

    def post(self, sender, recipient, text):
        with self._lock:
            self._enter('post', (sender, recipient, text))
            self._posts += 1
            fault = self.faults.pop(0) if self.faults else self.recipient_faults.get(recipient)
            assert fault is None or isinstance(fault, ApiError) or fault in SEND_FAULTS, 'unknown fault %r' % (fault,)
            if isinstance(fault, ApiError):
                raise fault
            if fault == 'refused' or (self.senders is not None and sender not in self.senders):
                error = _send_error(422, UNPROCESSABLE_422_TEXT)
                # The simulator's code for a sender that is not an active number of the network.
                error.errors = [{'resource': 'Message', 'field': 'from', 'code': 'not_found'}]
                raise error
            if fault == 'never_reached':
                raise ApiError('POST', MESSAGES_PATH, 'no answer from %s: [Errno 111] Connection refused' % API_URL,
                               kind='transport', may_have_applied=False)
            if fault == 'unapplied_5xx':
                raise _send_error(503, '{"message": "Service Unavailable"}')
            # A page of the sender's earlier listed messages, oldest first, as the simulator's other_page answer.
            earlier = sorted((dict(item) for item in self._outgoing_of(sender) if self._listed(item)),
                             key=lambda item: parse_timestamp(item['created_at']))[:OTHER_PAGE_ITEMS]
            item = self._store(sender, recipient, text, 'out')
            if self.send_skew:
                item['created_at'] = format_timestamp(parse_timestamp(item['created_at'])
                                                      + datetime.timedelta(seconds=self.send_skew))
            if self.text_transform is not None:
                item['text'] = self.text_transform(item['text'])
            if self.listing_lag:
                self._listed_at[item['uuid']] = parse_timestamp(item['created_at']) + datetime.timedelta(
                    seconds=self.listing_lag)
            if fault == 'late':
                self.hidden.add(item['uuid'])
            if fault in ('lost', 'late'):
                raise ApiError('POST', MESSAGES_PATH, 'no answer from %s: the connection was closed without an '
                               'answer' % API_URL, kind='transport', may_have_applied=True)
            if fault == 'applied_5xx':
                raise _send_error(500, '{"message": "Internal Server Error"}')
            if fault == 'accepted_unnamed':
                return SendReceipt(200, [])
            if fault == 'see_other':
                return SendReceipt(303, [])
            if fault == 'accepted_other_page':
                return SendReceipt(202, earlier)
            return SendReceipt(202, [dict(item)])

    def _outgoing_of(self, sender):
        return [item for item in self.stored if item.get('from') == sender and item.get('direction') in ('out', None)]

    def _listed(self, item):
        listed_at = self._listed_at.get(item['uuid'])
        return item['uuid'] not in self.hidden and (listed_at is None or listed_at <= self._now)

    def outgoing(self, sender, since):
        """The messages ``sender`` sent at or after ``since`` (a datetime), oldest first, one at a time."""
        with self._lock:
            self._enter('outgoing', (sender, since))
            if self.lookup_error and self._posts:
                raise ApiError('GET', MESSAGES_PATH, 'Internal Server Error', status=500,
                               api_message='Internal Server Error')
            found = [dict(item) for item in self._outgoing_of(sender) if self._listed(item)
                     and parse_timestamp(item.get('created_at')) is not None
                     and parse_timestamp(item['created_at']) >= since]
            found.sort(key=lambda item: parse_timestamp(item['created_at']))
            if self.contract_list_items:
                found = [dict((key, item[key]) for key in CONTRACT_LIST_FIELDS if key in item) for item in found]
        yield from found

    def get(self, message_uuid):
        check_message_id(message_uuid)
        with self._lock:
            self._enter('get', message_uuid)
            item = self._find(message_uuid)
            return dict(item) if item is not None else None

    def delete(self, message_uuid):
        check_message_id(message_uuid)
        with self._lock:
            self._enter('delete', message_uuid)
            item = self._find(message_uuid)
            if item is None:
                return None
            if not item.get('deleted_at'):
                item['deleted_at'] = self._tick()
                self.calls.append(('deleted', message_uuid))
            return dict(item)

    def delivery_reports(self, message_uuid, query=(), max_records=None):
        with self._lock:
            self._enter('delivery_reports', message_uuid)
            item = self._find(message_uuid)
            if item is None:
                raise ApiError('GET', MESSAGES_PATH, MESSAGE_404['message'], status=404,
                               api_message=MESSAGE_404['message'])
            return [dict(report) for report in item.get('delivery_reports') or []][:max_records]

    def delivery_report(self, message_uuid, report_uuid):
        with self._lock:
            self._enter('delivery_report', (message_uuid, report_uuid))
            report = self._reports.get(report_uuid)
            return dict(report) if report is not None and report['message_uuid'] == message_uuid else None
