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
import os
import sys
import time

try:
    from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiConfigError, ApiError
except ImportError:
    # ansible-rulebook runs this file with runpy.run_path: the collection is found through ansible-galaxy, but the
    # directory holding its ansible_collections/ need not be on sys.path. It is seven directories above this one
    # (ROOT/ansible_collections/invoca/messaging/extensions/eda/plugins/event_source/sms_events.py).
    sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), *(['..'] * 7))))
    from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiConfigError, ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._events.replies import keyword
from ansible_collections.invoca.messaging.plugins.module_utils._events.settings import InvalidArgument, Settings
from ansible_collections.invoca.messaging.plugins.module_utils._events.state import State, iso, read_state, write_state
from ansible_collections.invoca.messaging.plugins.module_utils._messages.client import MessageClient
from ansible_collections.invoca.messaging.plugins.module_utils._messages.records import (
    delivery_status,
    format_timestamp,
    is_message_id,
    is_outgoing,
    parse_timestamp,
)
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.client import PhoneNumberClient
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import is_active

LOGGER = logging.getLogger('invoca.messaging.sms_events')

# With phone_numbers left out, the network's active numbers are read again every this many polls.
NUMBERS_REFRESH_POLLS = 10
# After failed polls the next one waits interval * 2 ** failures, at most this long (and never less than interval).
MAX_BACKOFF = 300.0


class AccessRefused(RuntimeError):
    """The API refused the token (401/403), or the request itself (another 4xx): polling again cannot help."""


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
        LOGGER.info('sms_events: resuming from %s (mark %s)', settings.state_file, iso(state.mark))
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
