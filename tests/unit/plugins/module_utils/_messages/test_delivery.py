# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""wait_for_delivery on a fake clock: rounds, the wall-clock deadline, messages accepted without a uuid, and the
record shapes of both API versions."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._messages.delivery import (
    poll_delays,
    polls_bound,
    wait_for_delivery,
)
from ansible_collections.invoca.messaging.plugins.module_utils._messages.sending import ExactlyOnceSender, task_mark
from ansible_collections.invoca.messaging.tests.unit.fakes import (
    MESSAGE_CLOCK_START,
    N1,
    N2,
    N3,
    FakeClock,
    FakeMessageClient,
    FakeSleep,
)

SENDER = '+18885550199'
TEXT = 'hi'


def test_poll_intervals_grow_and_are_bounded():
    assert poll_delays(300)[:6] == [1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    assert sum(poll_delays(300)) == 300 and polls_bound(300) == 34
    assert poll_delays(2.5) == [1.0, 1.5]


class Delivering:
    """An in-memory API, the task's prepared sender on it, and a fake clock whose sleeps move the API's clock too."""

    def __init__(self, recipients, faults=None, **kwargs):
        self.api = FakeMessageClient(senders=[SENDER], **kwargs)
        self.once = ExactlyOnceSender(self.api, SENDER, TEXT, recipients)
        self.once.prepare(task_mark(self.api.now(), self.api.now()))
        self.sent = []
        for to in recipients:
            if faults and to in faults:
                self.api.faults.append(faults[to])
            outcome = self.once.send(to)
            assert outcome.state == 'sent'
            self.sent.append((to, outcome.record['uuid'] if outcome.record else None))
        self.api.calls = []
        self.clock = FakeClock()
        self.sleep = FakeSleep(self.clock)

    def sleep_and_advance(self, seconds):
        self.sleep(seconds)
        self.api.advance_clock(seconds)

    def wait(self, timeout, **kwargs):
        return wait_for_delivery(self.once, self.sent, timeout, sleep=self.sleep_and_advance, clock=self.clock,
                                 **kwargs)

    def actions(self, name):
        return [argument for action, argument in self.api.calls if action == name]


def test_wait_polls_one_listing_per_round_until_settled():
    recipients = ['+1555123%04d' % index for index in range(100)]
    # Settled 5 simulated seconds after the send: the rounds at 0, 1 and 3 s see them pending, the one at 7 s not.
    delivering = Delivering(recipients, delivery_delay=5, message_outcomes={'+15551230007': 'failed'})
    entries, rounds = delivering.wait(300)
    assert rounds == 4 and delivering.api.lookups == 4
    # Every listed 2022-08-01 record carries delivered_at and failed_at: no message is read on its own.
    assert delivering.actions('get') == []
    assert delivering.sleep.calls == [1.0, 2.0, 4.0]
    assert [entry['to'] for entry in entries] == recipients
    failed = [entry for entry in entries if entry['to'] == '+15551230007']
    # The carrier's error is only on the single delivery report, as the API has it.
    assert [(entry['status'], entry['carrier_error_code']) for entry in failed] == [('failed', 4720)]
    assert sum(1 for entry in entries if entry['status'] == 'delivered') == 99


def test_wait_gives_up_at_the_timeout_with_pending_messages():
    delivering = Delivering([N1], default_outcome='pending')
    entries, rounds = delivering.wait(30)
    assert [entry['status'] for entry in entries] == ['pending']
    assert rounds <= polls_bound(30) and delivering.sleep.total <= 30
    assert delivering.clock() - 1000.0 <= 30


class SlowApi(FakeMessageClient):
    """Every request takes ``request_seconds`` of the controller's wall clock."""

    def __init__(self, clock, request_seconds, **kwargs):
        FakeMessageClient.__init__(self, **kwargs)
        self.wall_clock = clock
        self.request_seconds = request_seconds

    def _enter(self, action, argument):
        self.wall_clock.advance(self.request_seconds)
        FakeMessageClient._enter(self, action, argument)


def test_the_deadline_is_checked_inside_a_round_so_the_wait_ends_within_the_timeout_plus_one_request():
    clock = FakeClock()
    # Ten pending messages the listing does not show yet: each is read by uuid, four seconds a request.
    api = SlowApi(clock, 4.0, senders=[SENDER], default_outcome='pending', listing_lag=3600)
    recipients = ['+1555123%04d' % index for index in range(10)]
    once = ExactlyOnceSender(api, SENDER, TEXT, recipients)
    once.prepare(task_mark(api.now(), api.now()))
    sent = [(to, once.send(to).record['uuid']) for to in recipients]
    api.calls = []
    start = clock()
    entries, rounds = wait_for_delivery(once, sent, 10, sleep=FakeSleep(clock), clock=clock)
    assert clock() - start <= 10 + 4.0
    assert rounds == 1 and len(api.calls) < len(recipients)
    assert [entry['status'] for entry in entries] == ['pending'] * 10


def test_a_message_accepted_without_a_uuid_is_found_by_the_look_up_and_followed():
    delivering = Delivering([N1, N2], faults={N1: 'accepted_unnamed'})
    assert delivering.sent[0] == (N1, None)
    entries, dummy = delivering.wait(30)
    assert [(entry['to'], entry['uuid'], entry['status']) for entry in entries] == [
        (N1, 'm1', 'delivered'), (N2, 'm2', 'delivered')]


def test_a_message_accepted_without_a_uuid_that_shows_late_is_found_in_a_later_round():
    delivering = Delivering([N1], faults={N1: 'see_other'}, listing_lag=5)
    entries, rounds = delivering.wait(30)
    assert [(entry['uuid'], entry['status']) for entry in entries] == [('m1', 'delivered')]
    # At 0, 1, 3 s it is not listed yet; at 7 s it is, and delivered.
    assert rounds == 4


def test_a_message_accepted_without_a_uuid_never_found_is_unknown():
    delivering = Delivering([N1, N2], faults={N1: 'accepted_unnamed'}, listing_lag=3600)
    entries, dummy = delivering.wait(30)
    assert [(entry['to'], entry['uuid'], entry['status']) for entry in entries] == [
        (N1, None, 'unknown'), (N2, 'm2', 'delivered')]
    assert delivering.sleep.total <= 30


def test_an_unnamed_message_is_never_matched_to_a_message_of_before_the_task():
    api = FakeMessageClient(senders=[SENDER])
    once = ExactlyOnceSender(api, SENDER, TEXT, [N1])
    mark = task_mark(api.now(), api.now())
    # Another job's identical message to N1, since the mark but before the task's first send.
    earlier = api.store_message(SENDER, N1, TEXT)
    once.prepare(mark)
    api.faults.append('accepted_unnamed')
    api.listing_lag = 3600
    assert once.send(N1).record is None
    clock = FakeClock()
    entries, dummy = wait_for_delivery(once, [(N1, None)], 5, sleep=FakeSleep(clock), clock=clock)
    assert [(entry['uuid'], entry['status']) for entry in entries] == [(None, 'unknown')]
    assert earlier['uuid'] not in repr(entries)


def test_a_failing_listing_is_an_error_for_the_caller():
    delivering = Delivering([N1])
    delivering.api.lookup_error = True
    with pytest.raises(ApiError):
        delivering.wait(30)


# -- wrong shapes, the contract's list shape, 2022-05-01 -------------------------------------------------------------

def record(uuid, to, text=TEXT, created_at='2024-01-01T00:00:01.000Z', **extra):
    item = {'uuid': uuid, 'from': SENDER, 'to': to, 'text': text, 'direction': 'out', 'created_at': created_at,
            'deleted_at': None}
    item.update(extra)
    return item


class ListingOnly:
    """A client whose listing holds ``records``; a listing of delivery reports fails."""

    def __init__(self, records, reports=None):
        self.records = records
        self.reports = reports or {}
        self.calls = []

    def outgoing(self, sender, since):
        self.calls.append('outgoing')
        return [dict(item) for item in self.records]

    def get(self, uuid):
        self.calls.append('get')
        return next((dict(item) for item in self.records if item['uuid'] == uuid), None)

    def delivery_reports(self, uuid, max_records=None):
        self.calls.append('delivery_reports')
        raise ApiError('GET', '/x', 'Internal Server Error', status=500)

    def delivery_report(self, uuid, report_uuid):
        self.calls.append('delivery_report')
        return self.reports.get(report_uuid)


def sender_on(client, recipients=(N1,)):
    once = ExactlyOnceSender(client, SENDER, TEXT, recipients)
    once.mark = MESSAGE_CLOCK_START
    return once


def test_wait_survives_delivery_reports_that_are_not_a_list():
    failed = record('u1', N1, failed_at='2024-01-01T00:00:02.000Z', delivered_at=None, delivery_reports=5)
    notes = []
    entries, rounds = wait_for_delivery(sender_on(ListingOnly([failed])), [(N1, 'u1')], 5,
                                        sleep=lambda seconds: None, notes=notes)
    assert entries[0]['status'] == 'failed' and entries[0]['carrier_error_code'] is None
    assert rounds == 1 and any('not as a list' in note for note in notes)


def test_contract_list_items_without_reports_are_pending_without_a_get():
    # The 2022-08-01 contract's list items carry delivery_reports but neither delivered_at nor failed_at.
    item = {'uuid': 'u1', 'from': SENDER, 'to': N1, 'text': TEXT, 'direction': 'out',
            'created_at': '2024-01-01T00:00:01.000Z', 'deleted_at': None, 'delivery_reports': []}
    client = ListingOnly([item])
    clock = FakeClock()
    entries, rounds = wait_for_delivery(sender_on(client), [(N1, 'u1')], 3, sleep=FakeSleep(clock), clock=clock)
    assert entries[0]['status'] == 'pending' and rounds == 3
    assert client.calls == ['outgoing'] * 3


def test_contract_list_items_with_reports_are_read_by_uuid():
    delivering = Delivering([N1, N2], contract_list_items=True, message_outcomes={N2: 'failed'})
    entries, rounds = delivering.wait(30)
    assert [(entry['status'], entry['carrier_error_code']) for entry in entries] == [
        ('delivered', None), ('failed', 4720)]
    # Round 1 (pending, no reports: no reads); round 2 at 1 s: both settled, each read once by uuid.
    assert rounds == 2 and sorted(delivering.actions('get')) == ['m1', 'm2']


def test_old_api_record_without_failed_at_fails_by_its_newest_report():
    summary = {'uuid': 'r1', 'created_at': '2024-01-01T00:00:02.000Z', 'progress_bit': 0}
    detail = dict(summary, message_uuid='u1', destination=N1, carrier_description='Invalid destination',
                  carrier_errorcode=4720)
    old = {'uuid': 'u1', 'virtual_line_id': 1, 'from': SENDER, 'to': N1, 'direction': 'outbound',
           'created_at': '2024-01-01T00:00:01.000Z', 'deleted_at': None, 'delivered_at': '2024-01-01T00:00:02.000Z',
           'delivery_reports': [summary]}
    client = ListingOnly([old], reports={'r1': detail})
    entries, rounds = wait_for_delivery(sender_on(client), [(N1, 'u1')], 300, sleep=lambda seconds: None)
    assert rounds == 1
    assert (entries[0]['status'], entries[0]['carrier_error_code'], entries[0]['failed_at']) == (
        'failed', 4720, '2024-01-01T00:00:02.000Z')
    assert 'get' not in client.calls


def test_a_message_the_listing_does_not_show_is_read_by_uuid():
    client = ListingOnly([])
    client.records_by_uuid = {}
    delivered = record('u9', N3, delivered_at='2024-01-01T00:00:02.000Z', failed_at=None)

    def get(uuid):
        client.calls.append('get')
        return dict(delivered) if uuid == 'u9' else None
    client.get = get
    entries, rounds = wait_for_delivery(sender_on(client, (N3,)), [(N3, 'u9')], 30, sleep=lambda seconds: None)
    assert entries[0]['status'] == 'delivered' and rounds == 1
    assert client.calls == ['outgoing', 'get']
