# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One model of the /messages API: the unit tests' FakeMessageClient and the real MessageClient talking to the
simulator must answer the same scenarios the same way.

The sms_message and ExactlyOnceSender unit tests trust FakeMessageClient to behave like MessageClient against
the API; the integration tests trust the simulator to behave like the API. Reference facts
(/work/shared/reference, tests/simulator/README.md "Gaps and contradictions"): a send answers 202 with one
record per recipient; an inactive sender is refused with 422 and nothing is stored; lists show soft-deleted
messages; get and delete of an unknown uuid are 404 "Could not find any messages"; delete is soft and a second
one does nothing; a send whose answer was lost may have been stored all the same.
"""

from __future__ import annotations

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)

from simulator_control import Simulator  # noqa: E402

SENDER = '+18885550199'
OTHER_SENDER = '+18885550198'
INACTIVE_SENDER = '+18885550197'
N1 = '+18885550100'
N2 = '+18885550101'
EPOCH = '1970-01-01T00:00:00.000Z'
UNKNOWN_UUID = '00000000-0000-4000-8000-000000000000'
# What a 2022-08-01 record holds in every answer (send, list, get, delete).
MESSAGE_FIELDS = {'uuid', 'cuid', 'from', 'to', 'text', 'direction', 'created_at', 'deleted_at', 'delivered_at',
                  'failed_at', 'segments', 'carrier_message_id', 'virtual_line_id', 'delivery_reports'}


@pytest.fixture(scope='module')
def collection(tmp_path_factory):
    """This checkout importable as ansible_collections.invoca.messaging (the name its code imports itself by)."""
    pytest.importorskip('ansible')
    pytest.importorskip('requests')
    root = tmp_path_factory.mktemp('collections')
    (root / 'ansible_collections' / 'invoca').mkdir(parents=True)
    os.symlink(REPO, str(root / 'ansible_collections' / 'invoca' / 'messaging'))
    sys.path.insert(0, str(root))
    try:
        from ansible_collections.invoca.messaging.plugins.module_utils._api import (  # pylint: disable=import-outside-toplevel
            transport,
        )
        from ansible_collections.invoca.messaging.plugins.module_utils._messages import (  # pylint: disable=import-outside-toplevel
            client as message_client,
        )
        from ansible_collections.invoca.messaging.tests.unit import fakes  # pylint: disable=import-outside-toplevel
        yield (message_client, transport), fakes
    finally:
        sys.path.remove(str(root))


@pytest.fixture(scope='module')
def server():
    with Simulator() as simulator:
        yield simulator


class FakeNetwork:
    """The fake's side: its client, and the knobs that stand for the simulator's control API."""

    def __init__(self, fakes):
        self.client = fakes.FakeMessageClient(senders=[SENDER, OTHER_SENDER])

    def receive(self, sender, recipient, text):
        return self.client.inbound(sender, recipient, text)

    def lose_next_send_answer(self):
        self.client.faults.append('lost')

    def fail_deliveries_to(self, recipient):
        self.client.message_outcomes[recipient] = 'failed'

    def advance_clock(self, seconds):
        self.client.advance_clock(seconds)

    def stored(self):
        return [dict(item) for item in self.client.stored]


class SimulatedNetwork:
    """The simulator's side: the real MessageClient on a reset simulator, and its control API."""

    def __init__(self, client_module, transport_module, server):
        server.reset(phone_numbers=[SENDER, OTHER_SENDER], deleted=[INACTIVE_SENDER])
        self.server = server
        self.client = client_module.MessageClient(transport_module.Transport(
            api_token=server.token, api_url=server.url, api_version='2022-08-01', max_retries=0))

    def receive(self, sender, recipient, text):
        return self.server.inbound(sender, recipient, text)

    def lose_next_send_answer(self):
        self.server.config(faults=[{'kind': 'lost_answer', 'operations': ['send'], 'count': 1}])

    def fail_deliveries_to(self, recipient):
        self.server.config(message_outcomes={recipient: 'failed'})

    def advance_clock(self, seconds):
        self.server.advance_clock(seconds)

    def stored(self):
        return self.server.messages()


@pytest.fixture(params=['fake', 'simulator'])
def network(request, collection, server):
    """A network whose active SMS numbers are SENDER and OTHER_SENDER (INACTIVE_SENDER is soft-deleted), with
    no messages: the in-memory FakeMessageClient, or MessageClient against a reset simulator."""
    (client_module, transport_module), fakes = collection
    if request.param == 'fake':
        yield FakeNetwork(fakes)
        return
    simulated = SimulatedNetwork(client_module, transport_module, server)
    try:
        yield simulated
    finally:
        simulated.client.close()


@pytest.fixture
def api(network):
    return network.client


@pytest.fixture
def api_error(collection):
    return collection[0][1].ApiError


def test_send_to_one_recipient_returns_its_record(api):
    record = api.send(SENDER, N1, 'hello')
    assert set(record) == MESSAGE_FIELDS
    assert isinstance(record['uuid'], str) and record['uuid']
    assert (record['from'], record['to'], record['text'], record['direction']) == (SENDER, N1, 'hello', 'out')
    assert record['created_at'] > EPOCH and record['deleted_at'] is None
    assert record['delivered_at'] is None and record['failed_at'] is None and record['delivery_reports'] == []


def test_every_send_is_a_new_message_with_its_own_time(api):
    first = api.send(SENDER, N1, 'hello')
    second = api.send(SENDER, N1, 'hello')
    # No dedupe in the API: the same text to the same recipient twice is two messages.
    assert first['uuid'] != second['uuid'] and second['created_at'] > first['created_at']


def test_outgoing_lists_only_the_senders_outbound_messages_since_the_mark(network, api):
    early = api.send(SENDER, N1, 'one')
    mark = api.send(SENDER, N2, 'two')
    api.send(OTHER_SENDER, N1, 'from another number')
    network.receive(N1, SENDER, 'a reply')
    late = api.send(SENDER, N1, 'three')
    assert [item['uuid'] for item in api.outgoing(SENDER, EPOCH)] == [early['uuid'], mark['uuid'], late['uuid']]
    since_mark = api.outgoing(SENDER, mark['created_at'])
    assert [item['uuid'] for item in since_mark] == [mark['uuid'], late['uuid']]
    assert since_mark == [mark, late]
    assert all(set(item) == MESSAGE_FIELDS for item in since_mark)
    assert api.outgoing(N1, EPOCH) == []  # N1 only received: no outbound messages of its own


def test_outgoing_keeps_soft_deleted_messages(api):
    record = api.send(SENDER, N1, 'hello')
    deleted = api.delete(record['uuid'])
    assert api.outgoing(SENDER, EPOCH) == [deleted]


def test_newest_outgoing(network, api):
    assert api.newest_outgoing(SENDER) is None
    api.send(SENDER, N1, 'one')
    newest = api.send(SENDER, N2, 'two')
    api.send(OTHER_SENDER, N1, 'from another number')
    network.receive(N1, SENDER, 'a reply')
    assert api.newest_outgoing(SENDER) == newest


def test_get_a_known_and_an_unknown_uuid(api):
    record = api.send(SENDER, N1, 'hello')
    assert api.get(record['uuid']) == record
    assert api.get(UNKNOWN_UUID) is None


def test_delete_is_soft_and_delete_again_does_nothing(api):
    record = api.send(SENDER, N1, 'hello')
    deleted = api.delete(record['uuid'])
    assert deleted['deleted_at'] is not None and deleted['deleted_at'] >= record['created_at']
    assert dict(deleted, deleted_at=None) == record
    assert api.delete(record['uuid']) == deleted
    assert api.get(record['uuid']) == deleted


def test_delete_of_an_unknown_uuid(api):
    assert api.delete(UNKNOWN_UUID) is None


def test_lost_answer_on_send_may_have_applied_and_the_message_is_stored(network, api, api_error):
    network.lose_next_send_answer()
    with pytest.raises(api_error) as caught:
        api.send(SENDER, N1, 'hello')
    assert caught.value.may_have_applied is True and caught.value.status is None
    stored = api.outgoing(SENDER, EPOCH)
    assert [(item['from'], item['to'], item['text']) for item in stored] == [(SENDER, N1, 'hello')]
    assert [item['uuid'] for item in network.stored()] == [stored[0]['uuid']]
    # The fault was for one send only.
    assert api.send(SENDER, N2, 'again')['to'] == N2


def test_send_from_an_inactive_number_is_refused_and_stores_nothing(network, api, api_error):
    for sender in (INACTIVE_SENDER, N1):  # soft-deleted, never an SMS number of the network
        with pytest.raises(api_error) as caught:
            api.send(sender, N2, 'hello')
        assert (caught.value.status, caught.value.may_have_applied) == (422, False)
        assert caught.value.api_message == 'Validation failed'
        assert caught.value.errors == [{'resource': 'Message', 'field': 'from', 'code': 'not_found'}]
    assert network.stored() == []


def test_delivery_settles_on_the_clock_and_a_failure_has_its_carrier_error(network, api):
    network.fail_deliveries_to(N2)
    delivered = api.send(SENDER, N1, 'hello')
    failed = api.send(SENDER, N2, 'hello')
    network.advance_clock(0.5)
    assert [api.get(item['uuid'])['delivery_reports'] for item in (delivered, failed)] == [[], []]
    network.advance_clock(1)
    delivered, failed = api.get(delivered['uuid']), api.get(failed['uuid'])
    assert delivered['delivered_at'] is not None and delivered['failed_at'] is None
    assert failed['failed_at'] is not None and failed['delivered_at'] is None
    assert [report['progress_bit'] for report in delivered['delivery_reports']] == [1]
    assert [set(report) for report in failed['delivery_reports']] == [{'progress_bit', 'created_at', 'uuid'}]
    # The carrier's error is only on the single delivery report.
    report = api.delivery_report(failed['uuid'], failed['delivery_reports'][0]['uuid'])
    assert (report['progress_bit'], report['carrier_errorcode'], report['carrier_description']) == (
        0, 4720, 'Invalid destination')
    assert api.delivery_report(failed['uuid'], UNKNOWN_UUID) is None
