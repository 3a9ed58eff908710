# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""invoca.messaging.sms_events: an Event-Driven Ansible source of SMS replies and failed deliveries.

Polls the Invoca SMS Messaging API and puts one event on the queue for each inbound message to a watched number
(and, with ``delivery_failures``, each outgoing message from one that failed at the carrier)::

    - name: SMS replies
      invoca.messaging.sms_events:
        state_file: /var/lib/eda/sms_events.json
        delivery_failures: true

Arguments (the connection ones fall back to the same environment variables as the modules):

``api_token`` (INVOCA_API_TOKEN), ``api_url`` (INVOCA_API_URL), ``api_version`` (INVOCA_API_VERSION),
``validate_certs`` (INVOCA_VALIDATE_CERTS), ``ca_path`` (INVOCA_CA_PATH), ``timeout`` (30), ``max_retries`` (3);
``phone_numbers`` (numbers to watch; default every active number of the network, re-read every 10 polls);
``interval`` (seconds between polls, 30); ``since`` (``now``, or an ISO 8601 time to replay from); ``state_file``
(where the mark and the uuids emitted are kept; without it a restart starts from ``now``); ``delivery_failures``
(false); ``lag`` (seconds a stored message may take to appear in listings, 60); ``failure_window`` (seconds after
it was created that an outgoing message is watched for a carrier failure, 900).

The delivery rule, the events and the arguments are described in docs/docsite/rst/eda_guide.rst.

Each poll is one listing of GET /messages since the mark less ``lag`` (every page, oldest first), however many
numbers are watched; filtered here. The HTTP client, its retries and the token redaction are the modules' own
(module_utils._api.transport): no second client.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import datetime
import json
import logging
import math
import os
import sys
import tempfile
import time

try:
    from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiConfigError, ApiError
except ImportError:
    # ansible-rulebook runs this file with runpy.run_path: the collection is found through ansible-galaxy, but the
    # directory holding its ansible_collections/ need not be on sys.path. It is seven directories above this one
    # (ROOT/ansible_collections/invoca/messaging/extensions/eda/plugins/event_source/sms_events.py).
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), *(['..'] * 7))))
    from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiConfigError, ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.redaction import Redactor
from ansible_collections.invoca.messaging.plugins.module_utils._api.settings import DEFAULT_API_URL, DEFAULT_API_VERSION
from ansible_collections.invoca.messaging.plugins.module_utils._api.transport import Transport
from ansible_collections.invoca.messaging.plugins.module_utils._messages.client import MessageClient
from ansible_collections.invoca.messaging.plugins.module_utils._messages.records import (
    delivery_status,
    format_timestamp,
    is_message_id,
    is_outgoing,
    parse_timestamp,
)
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.client import PhoneNumberClient
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import (
    InvalidPhoneNumber,
    is_active,
    normalize_phone_numbers,
)

LOGGER = logging.getLogger('invoca.messaging.sms_events')

STATE_FORMAT = 1
# With phone_numbers left out, the network's active numbers are read again every this many polls.
NUMBERS_REFRESH_POLLS = 10
# After failed polls the next one waits interval * 2 ** failures, at most this long (and never less than interval).
MAX_BACKOFF = 300.0
ARGUMENTS = ('api_token', 'api_url', 'api_version', 'validate_certs', 'ca_path', 'timeout', 'max_retries',
             'phone_numbers', 'interval', 'since', 'state_file', 'delivery_failures', 'lag', 'failure_window')
ENV_FALLBACKS = {'api_token': 'INVOCA_API_TOKEN', 'api_url': 'INVOCA_API_URL', 'api_version': 'INVOCA_API_VERSION',
                 'validate_certs': 'INVOCA_VALIDATE_CERTS', 'ca_path': 'INVOCA_CA_PATH'}
KEYWORDS = {
    'STOP': 'STOP', 'STOPALL': 'STOP', 'UNSUBSCRIBE': 'STOP', 'CANCEL': 'STOP', 'END': 'STOP', 'QUIT': 'STOP',
    'START': 'START', 'UNSTOP': 'START', 'YES': 'START',
    'HELP': 'HELP', 'INFO': 'HELP',
}
_TRUE = ('1', 'true', 'yes', 'on', 'y', 't')
_FALSE = ('0', 'false', 'no', 'off', 'n', 'f')


class InvalidArgument(ValueError):
    """An argument of the source that cannot work; raised before any request."""


class AccessRefused(RuntimeError):
    """The API refused the token (401/403), or the request itself (another 4xx): polling again cannot help."""


def keyword(text):
    """The opt-out keyword of a reply in normal form (STOP, START, HELP), or None.

    The first word counts, case and punctuation ignored: "Stop." and "stop please" are STOP, "don't stop" is not.
    """
    if not isinstance(text, str):
        return None
    words = text.split()
    if not words:
        return None
    word = ''.join(char for char in words[0] if char.isalnum()).upper()
    return KEYWORDS.get(word)


def _bool(name, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _TRUE + _FALSE:
        return value.strip().lower() in _TRUE
    raise InvalidArgument('%s must be true or false, got %r' % (name, value))


def _seconds(name, value, minimum, allow_zero=False):
    if isinstance(value, str):
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or math.isnan(value) or \
            value < minimum or (value == 0 and not allow_zero):
        raise InvalidArgument('%s must be a number of seconds%s, got %r'
                              % (name, ' of 0 or more' if allow_zero else ' above %s' % minimum, value))
    return float(value)


class Settings:
    """The arguments of the source, checked; the token is held here and in the transport only."""

    def __init__(self, args, environ=None):
        environ = os.environ if environ is None else environ
        args = dict((key, value) for key, value in (args or {}).items() if not str(key).startswith('eda_'))
        unknown = sorted(set(args) - set(ARGUMENTS))
        if unknown:
            raise InvalidArgument('unknown argument(s) %s; known: %s' % (', '.join(unknown), ', '.join(ARGUMENTS)))
        for name, variable in ENV_FALLBACKS.items():
            if args.get(name) in (None, '') and environ.get(variable):
                args[name] = environ[variable]
        self.api_token = args.get('api_token')
        if not isinstance(self.api_token, str) or not self.api_token.strip():
            raise InvalidArgument('no API token: set the api_token argument (from a variable, never written in the '
                                  'rulebook) or the INVOCA_API_TOKEN environment variable')
        self.api_url = args.get('api_url') or DEFAULT_API_URL
        self.api_version = args.get('api_version') or DEFAULT_API_VERSION
        self.validate_certs = _bool('validate_certs', args.get('validate_certs', True))
        self.ca_path = args.get('ca_path') or None
        self.timeout = int(_seconds('timeout', args.get('timeout', 30), 0))
        max_retries = args.get('max_retries', 3)
        if isinstance(max_retries, bool) or not isinstance(max_retries, int) or not 0 <= max_retries <= 20:
            raise InvalidArgument('max_retries must be from 0 to 20, got %r' % (max_retries,))
        self.max_retries = max_retries
        numbers = args.get('phone_numbers')
        if numbers in (None, ''):
            self.phone_numbers = None
        else:
            if isinstance(numbers, str):
                numbers = [item for item in numbers.replace(',', ' ').split() if item]
            if not isinstance(numbers, list) or not numbers:
                raise InvalidArgument('phone_numbers must be a list of E.164 numbers such as "+18885550100", got %r'
                                      % (args.get('phone_numbers'),))
            try:
                self.phone_numbers = normalize_phone_numbers(numbers)
            except InvalidPhoneNumber as exc:
                raise InvalidArgument('phone_numbers: %s' % exc)
        self.interval = _seconds('interval', args.get('interval', 30), 0)
        self.lag = _seconds('lag', args.get('lag', 60), 0, allow_zero=True)
        self.failure_window = _seconds('failure_window', args.get('failure_window', 900), 0, allow_zero=True)
        self.delivery_failures = _bool('delivery_failures', args.get('delivery_failures', False))
        since = args.get('since', 'now')
        if since in (None, '', 'now'):
            self.since = None
        else:
            self.since = parse_timestamp(since) if isinstance(since, str) else None
            if self.since is None:
                raise InvalidArgument('since must be "now" or an ISO 8601 time such as 2026-01-01T00:00:00Z, got %r'
                                      % (since,))
        self.state_file = args.get('state_file') or None
        if self.state_file is not None:
            if not isinstance(self.state_file, str):
                raise InvalidArgument('state_file must be a path, got %r' % (self.state_file,))
            self.state_file = os.path.abspath(os.path.expanduser(self.state_file))
            directory = os.path.dirname(self.state_file)
            if not os.path.isdir(directory) or not os.access(directory, os.W_OK):
                raise InvalidArgument('state_file %s: its directory %s does not exist or cannot be written by this '
                                      'user' % (self.state_file, directory))
        self.redactor = Redactor(self.api_token)

    def transport(self):
        """A new Transport (its own retry budget and unreachable circuit); ApiConfigError for settings that cannot
        work."""
        return Transport(api_token=self.api_token, api_url=self.api_url, api_version=self.api_version,
                         validate_certs=self.validate_certs, ca_path=self.ca_path, timeout=self.timeout,
                         max_retries=self.max_retries)


def _iso(when):
    return format_timestamp(when) if when is not None else None


class State:
    """What survives a restart: since, the mark (server time of the last poll), and the uuids still in the window."""

    def __init__(self, since=None, mark=None, emitted=None, reported=None, pending=None):
        self.since = since
        self.mark = mark
        # uuid -> created_at (datetime) of the inbound messages emitted, the failures reported, and the outgoing
        # messages still waiting for an outcome.
        self.emitted = dict(emitted or {})
        self.reported = dict(reported or {})
        self.pending = dict(pending or {})

    def to_json(self, api_url):
        return {'format': STATE_FORMAT, 'api_url': api_url, 'since': _iso(self.since), 'mark': _iso(self.mark),
                'emitted': dict((key, _iso(value)) for key, value in sorted(self.emitted.items())),
                'reported': dict((key, _iso(value)) for key, value in sorted(self.reported.items())),
                'pending': dict((key, _iso(value)) for key, value in sorted(self.pending.items()))}

    @classmethod
    def from_json(cls, data, api_url, path):
        def broken(why):
            return InvalidArgument('state_file %s %s; it was not changed. Move it away to start from since (or now), '
                                   'knowing that what arrived meanwhile is then not replayed' % (path, why))
        if not isinstance(data, dict) or data.get('format') != STATE_FORMAT:
            raise broken('is not a state file of this source (format %d)' % STATE_FORMAT)
        if data.get('api_url') != api_url:
            raise broken('belongs to another API (%s, not %s)' % (data.get('api_url'), api_url))

        def when(value, name):
            parsed = parse_timestamp(value)
            if parsed is None:
                raise broken('holds an unreadable %s (%r)' % (name, value))
            return parsed

        def uuids(name):
            items = data.get(name) or {}
            if not isinstance(items, dict):
                raise broken('holds an unreadable %s' % name)
            return dict((str(key), when(value, name)) for key, value in items.items())
        return cls(since=when(data.get('since'), 'since'),
                   mark=when(data['mark'], 'mark') if data.get('mark') is not None else None,
                   emitted=uuids('emitted'), reported=uuids('reported'), pending=uuids('pending'))


def read_state(path, api_url):
    if path is None or not os.path.exists(path):
        return None
    try:
        with open(path, encoding='utf-8') as handle:
            data = json.load(handle)
    except (OSError, ValueError) as exc:
        raise InvalidArgument('state_file %s cannot be read (%s); it was not changed. Move it away to start from '
                              'since (or now)' % (path, exc))
    return State.from_json(data, api_url, path)


def write_state(path, data):
    """Write the state atomically: a temporary file in the same directory, flushed, then renamed over the old one."""
    directory = os.path.dirname(path)
    fd, temp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path), dir=directory)
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as handle:
            json.dump(data, handle, indent=1, sort_keys=True)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise


def is_fatal(error):
    """Whether polling again cannot help: a refused token, a version the server does not offer, a refused query."""
    if error.kind == 'version':
        return True
    return error.kind == 'http' and error.status is not None and 400 <= error.status < 500 and \
        error.status not in (404, 408, 409, 429)


def refusal_message(error, settings):
    where = '%s (API version %s)' % (settings.api_url, settings.api_version)
    if error.kind == 'version':
        return ('the Invoca API at %s does not offer API version %s; it offers: %s. Set api_version (or '
                'INVOCA_API_VERSION) to one of those' % (settings.api_url, settings.api_version,
                                                         ', '.join(error.available_versions) or 'none listed'))
    if error.status == 401:
        return ('the Invoca API at %s rejected the API token as missing or malformed (HTTP 401 on %s %s). Check '
                'api_token or INVOCA_API_TOKEN' % (where, error.method, error.path))
    if error.status == 403:
        return ('the Invoca API at %s rejected the API token: it has no access to this network (HTTP 403 on %s %s). '
                'Check api_token or INVOCA_API_TOKEN' % (where, error.method, error.path))
    return 'the Invoca API at %s refused the request: %s' % (where, error)


def _event(record, kind):
    sms = {'type': kind, 'uuid': record['uuid'], 'from': record.get('from'), 'to': record.get('to'),
           'text': record.get('text'), 'created_at': record.get('created_at'),
           'keyword': keyword(record.get('text')) if kind == 'inbound' else None}
    return {'sms': sms}


def _carrier_details(record):
    """(failed_at, carrier_error_code, carrier_description) from a record or its newest delivery report with an
    error."""
    code = record.get('carrier_errorcode', record.get('carrier_error_code'))
    description = record.get('carrier_description')
    failed_at = record.get('failed_at')
    reports = record.get('delivery_reports') if isinstance(record.get('delivery_reports'), list) else []
    for report in reversed([item for item in reports if isinstance(item, dict)]):
        if report.get('carrier_errorcode') is not None:
            code = code if code is not None else report.get('carrier_errorcode')
            description = description or report.get('carrier_description')
            failed_at = failed_at or report.get('created_at')
            break
    return failed_at, code, description


class Poller:
    """The blocking part of the source: one poll at a time, run in a worker thread by main().

    ``poll()`` reads and returns the events and the State to adopt; ``commit(state)`` adopts it once the events
    are on the queue, so an event is never dropped by a poll whose events did not all reach the queue.
    """

    def __init__(self, settings, state=None, wall_clock=time.time, transport_factory=None):
        self.settings = settings
        self.state = state or State(since=settings.since)
        self._wall_clock = wall_clock
        self._transport_factory = transport_factory or settings.transport
        self._transport = None
        self._offset = None
        self.polls = 0
        self.watched = list(settings.phone_numbers) if settings.phone_numbers is not None else None
        self.failures = 0
        self._warned_empty = False

    def redact(self, text):
        return self.settings.redactor.redact(text)

    def transport(self):
        if self._transport is None:
            self._transport = self._transport_factory()
        return self._transport

    def drop_transport(self):
        """After a failed poll: the next one starts on a new Transport (a fresh retry budget and circuit)."""
        if self._transport is not None:
            self._transport.close()
            self._transport = None

    def close(self):
        self.drop_transport()

    # -- the server's clock ----------------------------------------------------------------------------------

    def _note_server_time(self):
        server = self._transport.server_now() if self._transport is not None else None
        if server is not None:
            self._offset = server.timestamp() - self._wall_clock()

    def server_now(self, client):
        """The API's time now: record timestamps are the server's, so the mark is measured on its clock (from the
        Date of its answers). Before any answer, one request that lists nothing learns it."""
        if self._offset is None:
            future = datetime.datetime.fromtimestamp(self._wall_clock(), tz=datetime.timezone.utc) + \
                datetime.timedelta(days=1)
            list(client.listing([('created_at[gte]', format_timestamp(future))], max_records=1, page_size=1))
            self._note_server_time()
            if self._offset is None:
                LOGGER.warning('sms_events: the API sends no Date header; measuring the mark on this machine\'s '
                               'clock, so lag must also cover the difference between the two clocks')
                self._offset = 0.0
        return datetime.datetime.fromtimestamp(self._wall_clock() + self._offset, tz=datetime.timezone.utc)

    # -- one poll ---------------------------------------------------------------------------------------------

    def _watched_numbers(self, transport):
        if self.settings.phone_numbers is not None:
            return set(self.settings.phone_numbers)
        if self.watched is None or self.polls % NUMBERS_REFRESH_POLLS == 0:
            numbers = []
            for record in PhoneNumberClient(transport).listing():
                if is_active(record) and record['phone_number'] not in numbers:
                    numbers.append(record['phone_number'])
            if numbers != self.watched:
                LOGGER.info('sms_events: watching the %d active number(s) of the network', len(numbers))
            self.watched = numbers
            if not numbers and not self._warned_empty:
                LOGGER.warning('sms_events: the network has no active SMS number: nothing to watch yet')
                self._warned_empty = True
        return set(self.watched)

    def poll(self):
        """One poll: (events in created_at order, the State to commit after they are on the queue).

        Raises ApiError when the poll failed (nothing emitted, nothing changed).
        """
        transport = self.transport()
        client = MessageClient(transport)
        watched = self._watched_numbers(transport)
        mark = self.server_now(client)
        state = self.state
        since = state.since or mark
        # Everything created before the horizon was listed by an earlier poll at least lag seconds after it was
        # created, so it was emitted then (or never reached the listings within lag).
        horizon = max(since, state.mark - datetime.timedelta(seconds=self.settings.lag)) if state.mark else since
        start = horizon
        if self.settings.delivery_failures and state.pending:
            start = min(start, *state.pending.values())
        query = [('created_at[gte]', format_timestamp(start)), ('sort', 'created_at:asc')]
        found = []
        emitted = dict(state.emitted)
        reported = dict(state.reported)
        pending = dict(state.pending)
        oldest_watched = mark - datetime.timedelta(seconds=self.settings.failure_window)
        for record in client.listing(query):
            created = parse_timestamp(record.get('created_at'))
            uuid = record['uuid']
            if created is None or created < since:
                continue
            if not is_outgoing(record):
                if record.get('to') in watched and created >= horizon and uuid not in emitted:
                    emitted[uuid] = created
                    found.append((created, _event(record, 'inbound')))
                continue
            if not self.settings.delivery_failures or record.get('from') not in watched or uuid in reported:
                continue
            if created < horizon and uuid not in pending:
                continue
            status = delivery_status(record)
            if status == 'pending' and 'delivered_at' not in record and 'failed_at' not in record and \
                    is_message_id(uuid):
                # A list item that does not show the outcome (2022-08-01 list items need not): read the message.
                record = client.get(uuid) or record
                status = delivery_status(record)
            if status == 'failed':
                pending.pop(uuid, None)
                reported[uuid] = created
                found.append((created, self._failure_event(client, record)))
            elif status == 'pending' and created >= oldest_watched:
                pending[uuid] = created
            else:
                pending.pop(uuid, None)
        self._note_server_time()
        found.sort(key=lambda item: item[0])
        next_horizon = max(since, mark - datetime.timedelta(seconds=self.settings.lag))
        new_state = State(
            since=since, mark=mark,
            emitted=dict((key, value) for key, value in emitted.items() if value >= next_horizon),
            reported=dict((key, value) for key, value in reported.items() if value >= next_horizon),
            pending=dict((key, value) for key, value in pending.items() if value >= oldest_watched))
        return [event for dummy, event in found], new_state

    def _failure_event(self, client, record):
        failed_at, code, description = _carrier_details(record)
        if code is None and is_message_id(record['uuid']):
            # The carrier's error is in the message's delivery reports only (2022-08-01 list items and records).
            reports = client.detailed_delivery_reports(record['uuid'])
            failed_at, code, description = _carrier_details(dict(record, delivery_reports=reports))
        event = _event(record, 'delivery_failed')
        event['sms'].update(failed_at=failed_at, carrier_error_code=code, carrier_description=description)
        return event

    def commit(self, state):
        self.state = state
        self.polls += 1
        self.failures = 0
        if self.settings.state_file:
            write_state(self.settings.state_file, state.to_json(self.settings.api_url))

    def backoff(self):
        """Seconds to wait after a failed poll (and count it)."""
        self.failures += 1
        return min(max(MAX_BACKOFF, self.settings.interval), self.settings.interval * (2 ** self.failures))


def start(settings, wall_clock=time.time, transport_factory=None):
    """A Poller for ``settings``, resuming from the state file when there is one."""
    state = read_state(settings.state_file, settings.api_url)
    if state is not None:
        LOGGER.info('sms_events: resuming from %s (mark %s)', settings.state_file, _iso(state.mark))
    return Poller(settings, state, wall_clock=wall_clock, transport_factory=transport_factory)


async def run(queue, poller, sleep=asyncio.sleep, max_polls=None):
    """Poll until cancelled (or ``max_polls`` polls, for tests), putting each event on ``queue`` once."""
    settings = poller.settings
    attempts = 0
    try:
        while max_polls is None or attempts < max_polls:
            attempts += 1
            try:
                events, new_state = await asyncio.to_thread(poller.poll)
            except ApiError as exc:
                poller.drop_transport()
                if is_fatal(exc):
                    raise AccessRefused(poller.redact(refusal_message(exc, settings)))
                delay = poller.backoff()
                LOGGER.warning('sms_events: poll failed, next try in %.0f s: %s', delay, poller.redact(str(exc)))
                await sleep(delay)
                continue
            for event in events:
                await queue.put(event)
            await asyncio.to_thread(poller.commit, new_state)
            if events:
                LOGGER.info('sms_events: %d event(s)', len(events))
            await sleep(settings.interval)
    finally:
        poller.drop_transport()


async def main(queue, args):
    """The entry point ansible-rulebook calls: check the arguments, then poll until cancelled."""
    try:
        settings = Settings(args)
        settings.transport().close()
    except ApiConfigError as exc:
        raise InvalidArgument(str(exc))
    await run(queue, start(settings))


if __name__ == '__main__':
    # A quick manual check: python sms_events.py '{"phone_numbers": ["+18885550100"]}' prints events until Ctrl-C.

    class _PrintQueue:
        async def put(self, event):
            print(json.dumps(event), flush=True)

    logging.basicConfig(level=logging.INFO)
    asyncio.run(main(_PrintQueue(), json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}))
