# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The sms_events event source, with a fake queue, a fake clock and an in-memory API behind the real Transport.

The API stand-in answers GET /messages (created_at[gte], oldest first, pages of ``page_size``) and GET
/phone_numbers from its records, and a message appears in its listings only ``listed_after`` seconds after it
was created, as the real API may (it stores through a queue).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import asyncio
import datetime
import email.utils
import importlib.util
import json
import logging
import os
from urllib.parse import parse_qsl

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.transport import Transport
from ansible_collections.invoca.messaging.tests.unit.fakes import API_URL, FakeSession, TOKEN, response

SOURCE = os.path.join(os.path.dirname(os.path.abspath(__file__)), *(['..'] * 6),
                      'extensions', 'eda', 'plugins', 'event_source', 'sms_events.py')
_spec = importlib.util.spec_from_file_location('sms_events', SOURCE)
sms_events = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sms_events)

OURS = '+18885550100'
OTHER_OURS = '+18885550101'
NOT_OURS = '+18885550199'
PERSON = '+15551230001'
START = datetime.datetime(2026, 1, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


def ts(when):
    return when.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (when.microsecond // 1000)


class Clock:
    """The wall clock of the source and of the fake API alike; asyncio sleeps only move it."""

    def __init__(self):
        self.now = START.timestamp()
        self.sleeps = []

    def __call__(self):
        return self.now

    async def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class Queue:
    def __init__(self):
        self.events = []

    async def put(self, event):
        self.events.append(event)


class Api:
    """GET /messages and GET /phone_numbers from memory, on the shared clock."""

    def __init__(self, clock, numbers=(OURS, OTHER_OURS), page_size=2):
        self.clock = clock
        self.numbers = [{'phone_number': n, 'deleted_at': None} for n in numbers]
        self.messages = []
        self.page_size = page_size
        self.faults = []
        self.requests = []
        self._next = 0

    def now(self):
        return datetime.datetime.fromtimestamp(self.clock(), tz=datetime.timezone.utc)

    def add(self, sender, recipient, text='hi', direction='in', age=0.0, listed_after=0.0, **fields):
        self._next += 1
        created = self.now() - datetime.timedelta(seconds=age)
        record = dict({'uuid': 'm%04d' % self._next, 'from': sender, 'to': recipient, 'text': text,
                       'direction': direction, 'created_at': ts(created), 'deleted_at': None,
                       'delivered_at': ts(created) if direction == 'in' else None, 'failed_at': None,
                       'delivery_reports': []}, **fields)
        record['_listed'] = created + datetime.timedelta(seconds=listed_after)
        self.messages.append(record)
        return record

    def __call__(self, sent):
        self.requests.append(sent)
        if self.faults:
            fault = self.faults.pop(0)
            if fault is not None:
                return fault
        query = dict(parse_qsl(sent.query))
        headers = {'Date': email.utils.formatdate(self.clock(), usegmt=True)}
        page = int(query.get('page', 1))
        if sent.path.endswith('/phone_numbers'):
            return self._page('phone_numbers', self.numbers, page, headers)
        if sent.path.endswith('/messages'):
            since = datetime.datetime.fromisoformat(query['created_at[gte]'].replace('Z', '+00:00'))
            listed = sorted((m for m in self.messages if m['_listed'] <= self.now() and
                             datetime.datetime.fromisoformat(m['created_at'].replace('Z', '+00:00')) >= since),
                            key=lambda m: m['created_at'])
            return self._page('messages', [dict((k, v) for k, v in m.items() if k != '_listed') for m in listed],
                              page, headers)
        if '/messages/uuid/' in sent.path and sent.path.endswith('/delivery_reports'):
            uuid = sent.path.split('/')[-2]
            record = next(m for m in self.messages if m['uuid'] == uuid)
            return self._page('delivery_reports', record['delivery_reports'], page, headers)
        raise AssertionError('unexpected request %s %s' % (sent.method, sent.url))

    def _page(self, key, items, page, headers):
        size = self.page_size if key == 'messages' else 500
        pages = max(1, -(-len(items) // size))
        chunk = items[(page - 1) * size:page * size]
        return response(200, {key: chunk, 'pagination': {'count': len(items), 'pages': pages, 'page': page,
                                                         'next': page + 1 if page < pages else None}},
                        headers=headers)

    def listings(self):
        return [r for r in self.requests if r.path.endswith('/messages') and
                dict(parse_qsl(r.query)).get('page', '1') == '1']


def settings(**args):
    base = {'api_token': TOKEN, 'api_url': API_URL, 'interval': 30, 'lag': 60, 'max_retries': 0}
    base.update(args)
    return sms_events.Settings(base, environ={})


class Source:
    """The source run poll by poll on the fake clock, against one Api."""

    def __init__(self, api, clock, **args):
        self.api = api
        self.clock = clock
        self.queue = Queue()
        self.settings = settings(**args)
        self.sessions = []
        self.poller = None

    def transport(self):
        session = FakeSession(handler=self.api)
        self.sessions.append(session)
        return Transport(api_token=self.settings.api_token, api_url=self.settings.api_url, max_retries=0,
                         session=session, sleep=lambda seconds: None)

    def polls(self, count):
        if self.poller is None:
            self.poller = sms_events.start(self.settings, wall_clock=self.clock,
                                           transport_factory=self.transport)
        asyncio.run(sms_events.run(self.queue, self.poller, sleep=self.clock.sleep, max_polls=count))
        return self

    def uuids(self):
        return [event['sms']['uuid'] for event in self.queue.events]


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def api(clock):
    return Api(clock)


def test_inbound_messages_to_watched_numbers_are_events_in_created_at_order(api, clock):
    source = Source(api, clock, phone_numbers=[OURS])
    source.polls(1)
    first = api.add(PERSON, OURS, 'STOP please', age=0)
    api.add(PERSON, NOT_OURS, 'not ours')
    api.add(OURS, PERSON, 'our own text', direction='out')
    clock.now += 1
    second = api.add(PERSON, OURS, 'call me')
    clock.now += 1
    source.polls(1)
    assert source.uuids() == [first['uuid'], second['uuid']]
    assert source.queue.events[0] == {'sms': {'type': 'inbound', 'uuid': first['uuid'], 'from': PERSON, 'to': OURS,
                                              'text': 'STOP please', 'created_at': first['created_at'],
                                              'keyword': 'STOP'}}
    assert source.queue.events[1]['sms']['keyword'] is None


def test_each_message_once_across_polls_and_a_late_one_is_caught(api, clock):
    source = Source(api, clock, phone_numbers=[OURS], lag=60)
    source.polls(1)
    early = api.add(PERSON, OURS, 'one')
    # Created now, but listed only 45 s later: after the poll that would have seen it on time.
    late = api.add(PERSON, OURS, 'late', listed_after=45)
    source.polls(1)
    assert source.uuids() == [early['uuid']]
    source.polls(3)
    assert source.uuids() == [early['uuid'], late['uuid']]
    source.polls(4)
    assert source.uuids() == [early['uuid'], late['uuid']]


def test_a_message_arriving_while_the_source_sleeps_is_not_missed(api, clock):
    source = Source(api, clock, phone_numbers=[OURS], interval=30)
    source.polls(1)
    clock.now += 10
    during_sleep = api.add(PERSON, OURS, 'while asleep')
    source.polls(1)
    assert source.uuids() == [during_sleep['uuid']]


def test_a_quiet_poll_is_one_listing_request_however_many_numbers_are_watched(api, clock):
    numbers = ['+1888555%04d' % n for n in range(200)]
    source = Source(api, clock, phone_numbers=numbers)
    source.polls(1)
    before = len(api.requests)
    source.polls(1)
    assert len(api.requests) - before == 1 and api.requests[-1].path.endswith('/messages')
    query = dict(parse_qsl(api.requests[-1].query))
    assert query['sort'] == 'created_at:asc' and 'created_at[gte]' in query


def test_every_page_is_read(api, clock):
    source = Source(api, clock, phone_numbers=[OURS])
    source.polls(1)
    added = [api.add(PERSON, OURS, 'n%d' % n) for n in range(5)]
    source.polls(1)
    assert source.uuids() == [m['uuid'] for m in added]


def test_memory_keeps_only_the_uuids_of_the_overlap_window(api, clock, tmp_path):
    state_file = str(tmp_path / 'state.json')
    source = Source(api, clock, phone_numbers=[OURS], lag=60, interval=30, state_file=state_file)
    source.polls(1)
    api.add(PERSON, OURS, 'old')
    source.polls(1)
    assert len(json.load(open(state_file))['emitted']) == 1
    source.polls(4)
    assert json.load(open(state_file))['emitted'] == {}


def test_since_replays_from_a_time_and_nothing_older(api, clock):
    api.add(PERSON, OURS, 'too old', age=7200)
    kept = api.add(PERSON, OURS, 'replayed', age=600)
    source = Source(api, clock, phone_numbers=[OURS], since=ts(START - datetime.timedelta(hours=1)))
    source.polls(1)
    assert source.uuids() == [kept['uuid']]


def test_a_restart_with_the_state_file_repeats_nothing_and_misses_nothing(api, clock, tmp_path):
    state_file = str(tmp_path / 'state.json')
    first = Source(api, clock, phone_numbers=[OURS], state_file=state_file)
    first.polls(1)
    before = api.add(PERSON, OURS, 'before the stop')
    first.polls(1)
    clock.now += 600
    during = api.add(PERSON, OURS, 'while it was down', age=300)
    second = Source(api, clock, phone_numbers=[OURS], state_file=state_file)
    second.polls(2)
    assert first.uuids() == [before['uuid']] and second.uuids() == [during['uuid']]
    assert not [name for name in os.listdir(str(tmp_path)) if name != 'state.json']


def test_without_a_state_file_a_restart_starts_from_now(api, clock):
    Source(api, clock, phone_numbers=[OURS]).polls(1)
    api.add(PERSON, OURS, 'while it was down', age=5)
    clock.now += 10
    assert Source(api, clock, phone_numbers=[OURS]).polls(1).uuids() == []


def test_a_crash_between_the_queue_and_the_state_file_repeats_at_most_that_poll(api, clock, tmp_path, monkeypatch):
    state_file = str(tmp_path / 'state.json')
    source = Source(api, clock, phone_numbers=[OURS], state_file=state_file)
    source.polls(1)
    message = api.add(PERSON, OURS, 'once or twice')

    def crash(path, data):
        raise SystemExit('crash')
    monkeypatch.setattr(sms_events, 'write_state', crash)
    with pytest.raises(SystemExit):
        source.polls(1)
    monkeypatch.undo()
    again = Source(api, clock, phone_numbers=[OURS], state_file=state_file).polls(2)
    assert source.uuids() == [message['uuid']] and again.uuids() == [message['uuid']]


def test_the_state_file_is_replaced_atomically(api, clock, tmp_path, monkeypatch):
    state_file = str(tmp_path / 'state.json')
    replaced = []
    real_replace = os.replace
    monkeypatch.setattr(sms_events.os, 'replace', lambda src, dst: (replaced.append((src, dst)), real_replace(src, dst)))
    Source(api, clock, phone_numbers=[OURS], state_file=state_file).polls(1)
    assert replaced and replaced[0][1] == state_file and os.path.dirname(replaced[0][0]) == str(tmp_path)


def test_default_numbers_are_the_active_ones_read_again_every_ten_polls(api, clock):
    api.numbers.append({'phone_number': NOT_OURS, 'deleted_at': '2025-01-01T00:00:00.000Z'})
    source = Source(api, clock)
    source.polls(1)
    api.add(PERSON, OTHER_OURS, 'to another active number')
    api.add(PERSON, NOT_OURS, 'to a deleted number')
    source.polls(1)
    assert [e['sms']['to'] for e in source.queue.events] == [OTHER_OURS]
    number_reads = [r for r in api.requests if r.path.endswith('/phone_numbers')]
    assert len(number_reads) == 1


def test_a_failed_delivery_is_an_event_also_when_it_fails_after_lag(api, clock):
    source = Source(api, clock, phone_numbers=[OURS], delivery_failures=True, lag=10, interval=5)
    source.polls(1)
    sent = api.add(OURS, PERSON, 'page the on-call', direction='out')
    delivered = api.add(OURS, '+15551230002', 'fine', direction='out')
    source.polls(2)
    delivered['delivered_at'] = ts(api.now())
    assert source.uuids() == []
    clock.now += 120
    sent.update(failed_at=ts(api.now()), delivery_reports=[
        {'uuid': 'r1', 'progress_bit': 0, 'created_at': ts(api.now()), 'carrier_errorcode': 4720,
         'carrier_description': 'Invalid destination'}])
    source.polls(3)
    assert source.uuids() == [sent['uuid']]
    event = source.queue.events[0]['sms']
    assert event['type'] == 'delivery_failed' and event['to'] == PERSON and event['keyword'] is None
    assert event['failed_at'] == sent['failed_at'] and event['carrier_error_code'] == 4720
    assert event['carrier_description'] == 'Invalid destination'


def test_failures_are_not_events_unless_asked(api, clock):
    source = Source(api, clock, phone_numbers=[OURS])
    source.polls(1)
    api.add(OURS, PERSON, 'x', direction='out', failed_at=ts(START), carrier_errorcode=1)
    assert source.polls(2).uuids() == []


@pytest.mark.parametrize('status', [429, 500, 503])
def test_throttling_and_server_errors_back_off_and_keep_polling(api, clock, caplog, status):
    source = Source(api, clock, phone_numbers=[OURS], interval=30)
    source.polls(1)
    message = api.add(PERSON, OURS, 'after the outage')
    api.faults = [response(status, {'message': 'try later, token %s' % TOKEN}), None]
    with caplog.at_level(logging.DEBUG):
        source.polls(2)
    assert source.uuids() == [message['uuid']]
    assert clock.sleeps[-2] == 60
    warnings = [r.getMessage() for r in caplog.records if 'poll failed' in r.getMessage()]
    assert len(warnings) == 1 and TOKEN not in caplog.text and '\n' not in warnings[0]


def test_a_connection_failure_backs_off_and_keeps_polling(api, clock, caplog):
    source = Source(api, clock, phone_numbers=[OURS])
    source.polls(1)
    api.faults = [OSError('connection refused')]
    with caplog.at_level(logging.INFO):
        source.polls(2)
    assert any('poll failed' in r.getMessage() for r in caplog.records) and TOKEN not in caplog.text


@pytest.mark.parametrize('status, words', [(401, 'missing or malformed'), (403, 'no access')])
def test_a_refused_token_stops_the_source_with_one_clear_message(api, clock, status, words):
    api.faults = [response(status, {'message': 'no (%s)' % TOKEN})]
    source = Source(api, clock, phone_numbers=[OURS])
    with pytest.raises(sms_events.AccessRefused) as caught:
        source.polls(3)
    assert words in str(caught.value) and TOKEN not in str(caught.value)
    assert len(api.requests) == 1


@pytest.mark.parametrize('args, words', [
    ({'api_token': ''}, 'no API token'),
    ({'interval': 0}, 'interval'),
    ({'lag': -1}, 'lag'),
    ({'since': 'yesterday'}, 'since'),
    ({'phone_numbers': ['12345']}, 'phone_numbers'),
    ({'phone_numbers': 'not a list'}, 'phone_numbers'),
    ({'delivery_failures': 'maybe'}, 'delivery_failures'),
    ({'state_file': '/no/such/dir/state.json'}, 'state_file'),
    ({'intervall': 5}, 'unknown argument'),
])
def test_bad_arguments_stop_the_source_before_any_request(args, words):
    with pytest.raises(sms_events.InvalidArgument) as caught:
        settings(**args)
    assert words in str(caught.value) and TOKEN not in str(caught.value)


def test_main_refuses_a_bad_url_with_one_message_and_no_token():
    queue = Queue()
    with pytest.raises(sms_events.InvalidArgument) as caught:
        asyncio.run(sms_events.main(queue, {'api_token': TOKEN, 'api_url': 'http://example.com'}))
    assert 'clear text' in str(caught.value) and TOKEN not in str(caught.value) and queue.events == []


def test_connection_settings_fall_back_to_the_environment():
    found = sms_events.Settings({'eda_feedback_queue': object()},
                                environ={'INVOCA_API_TOKEN': TOKEN, 'INVOCA_API_URL': API_URL,
                                         'INVOCA_VALIDATE_CERTS': 'false', 'INVOCA_API_VERSION': '2022-05-01'})
    found = (found.api_token, found.api_url, found.validate_certs, found.api_version)
    assert found == (TOKEN, API_URL, False, '2022-05-01')


def test_a_state_file_of_another_api_is_refused(api, clock, tmp_path):
    state_file = tmp_path / 'state.json'
    state_file.write_text(json.dumps({'format': 1, 'api_url': 'https://other.example.test', 'since': ts(START),
                                      'mark': None}))
    with pytest.raises(sms_events.InvalidArgument) as caught:
        Source(api, clock, phone_numbers=[OURS], state_file=str(state_file)).polls(1)
    assert 'another API' in str(caught.value)


def test_the_event_loop_is_not_blocked_by_a_poll(api, clock):
    """The HTTP calls run in a worker thread: another task keeps running while a listing is slow."""
    import threading
    release = threading.Event()
    ticks = []

    def slow(sent):
        release.wait(5)
        return api(sent)
    source = Source(api, clock, phone_numbers=[OURS])
    source.transport = lambda: Transport(api_token=TOKEN, api_url=API_URL, max_retries=0,
                                         session=FakeSession(handler=slow), sleep=lambda seconds: None)

    async def scenario():
        poller = sms_events.start(source.settings, wall_clock=clock, transport_factory=source.transport)
        task = asyncio.ensure_future(sms_events.run(source.queue, poller, sleep=clock.sleep, max_polls=1))
        for dummy in range(3):
            await asyncio.sleep(0.01)
            ticks.append(1)
        release.set()
        await task
    asyncio.run(scenario())
    assert len(ticks) == 3
