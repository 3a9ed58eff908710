# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests of sms_message against an API that stores late: real ansible runs against the simulator.

The simulator lists a sent message only some seconds after its send was answered, answers a send without naming
the message, stores a message and then answers with a gateway's 504, keeps old messages stamped in the future,
rewrites texts and lists in any order. Each test counts, from the simulator's store, the messages every recipient
really got: never more than one per run, and a rerun with dedupe_window completes a run with unknowns.
"""

from __future__ import annotations

import datetime
import math

import pytest

from conftest import assert_clean_failure
from sms_message_runs import (  # noqa: F401  pylint: disable=unused-import
    MESSAGES_PATH,
    R1,
    R2,
    R3,
    SENDER,
    align_clock_with_this_machine,
    failed_result,
    network,
    send,
    sends,
)

TEXT = 'deploy finished'
# Simulated seconds a sent message stays out of the listings: longer than any run here, so only the clock moves it.
LAG = 30
LOST_ANSWER = {'kind': 'lost_answer', 'operations': ['send'], 'every': 1}
FIRST_ANSWER_LOST = {'kind': 'lost_answer', 'operations': ['send'], 'count': 1}


def stored(sim, *recipients):
    """How many messages each recipient has in the simulator's store (what the API really holds)."""
    return [len(sim.sent_to(recipient)) for recipient in recipients]


def unknown(result):
    return sorted(f['to'] for f in result['failures'] if f['outcome'] == 'unknown')


def named(result):
    return sorted((entry['to'], entry['uuid']) for entry in result['sent'])


def listings(sim):
    return [entry for entry in sim.log() if entry['method'] == 'GET' and entry['path'] == MESSAGES_PATH]


def sim_time(sim, seconds):
    """The simulated clock's time plus ``seconds``, as a timestamp the simulator takes."""
    now = datetime.datetime.fromisoformat(sim.now().replace('Z', '+00:00'))
    return (now + datetime.timedelta(seconds=seconds)).isoformat()


@pytest.mark.parametrize('faults, never_stored', [
    pytest.param([LOST_ANSWER], [], id='every-answer-lost'),
    # The 3rd send is answered 503 before anything is stored: unknown all the same, a 5xx proves nothing.
    pytest.param([{'kind': 'lost_answer', 'operations': ['send'], 'count': 2},
                  {'kind': 'error', 'status': 503, 'operations': ['send'], 'count': 1}], [R3], id='one-never-stored'),
])
def test_unknowns_under_a_listing_lag_are_settled_by_a_rerun_with_dedupe(ansible, network, faults, never_stored):
    align_clock_with_this_machine(network)
    recipients = [R1, R2, R3]
    network.config(listing_lag_seconds=LAG, faults=faults)
    result = failed_result(send(ansible, to=recipients, dedupe_window=3600, concurrency=1))
    assert_clean_failure(result)
    # Not in the listings yet: the look-ups prove nothing, and nothing is sent twice.
    assert result['sent'] == [] and result['changed'] is True
    assert unknown(result) == recipients
    assert '3 unknown (may have been sent, not sent again)' in result['msg']
    assert len(sends(network)) == 3
    assert stored(network, *recipients) == [0 if r in never_stored else 1 for r in recipients]

    # The documented way to finish: once the API has listed what it accepted, the same task again.
    network.config(faults=[])
    network.advance_clock(LAG + 1)
    rerun = send(ansible, to=recipients, dedupe_window=3600, concurrency=1, expect_rc=0).result
    assert rerun['skipped_recipients'] == [r for r in recipients if r not in never_stored]
    assert [entry['to'] for entry in rerun['sent']] == never_stored
    assert stored(network, *recipients) == [1, 1, 1]


@pytest.mark.parametrize('lag, found', [(LAG, False), (0, True)], ids=['listed-late', 'listed-at-once'])
def test_a_gateway_timeout_after_the_store_is_never_resent(ansible, network, lag, found):
    network.config(listing_lag_seconds=lag,
                   faults=[{'kind': 'applied_gateway_timeout', 'operations': ['send'], 'every': 1}])
    run = send(ansible, to=[R1])
    [message] = network.sent_to(R1)
    assert [entry['status'] for entry in sends(network)] == [504]
    assert run.failed is not found
    assert named(run.result) == ([(R1, message['uuid'])] if found else [])
    assert unknown(run.result) == ([] if found else [R1])


def store_earlier_copies(sim, recipients):
    """The same text to the same recipients before the task: an hour before, and a moment before (inside the
    look-up's margin, so the task sees it and must remember it is not its own)."""
    return [sim.store_message(SENDER, recipient, TEXT, created_at=created_at)['uuid']
            for recipient in recipients for created_at in (sim_time(sim, -3600), None)]


@pytest.mark.parametrize('answer', ['empty_object', 'empty', 'other_page', 'see_other'])
def test_a_send_answer_that_names_no_message_is_acceptance(ansible, network, answer):
    earlier = store_earlier_copies(network, [R1, R2])
    network.config(send_answer=answer)
    network.clear_log()
    result = send(ansible, to=[R1, R2], expect_rc=0).result
    # Sent, and unnamed: other_page's answer holds the earlier copies, which are never taken for the new message.
    assert named(result) == [(R1, None), (R2, None)]
    assert result['failures'] == []
    assert stored(network, R1, R2) == [3, 3]
    assert len(sends(network)) == 2
    # Acceptance needs no look-up: the only listing is the one that notes the messages already there.
    assert len(listings(network)) == 1
    assert not set(earlier) & set(entry['uuid'] for entry in result['sent'])


@pytest.mark.parametrize('lag, status', [(0, 'delivered'), (LAG, 'unknown')], ids=['listed', 'never-listed'])
def test_wait_looks_an_unnamed_message_up_or_reports_it_unknown(ansible, network, lag, status):
    network.config(send_answer='empty_object', listing_lag_seconds=lag)
    run = send(ansible, to=[R1], wait=True, wait_timeout=2)
    [message] = network.sent_to(R1)
    assert named(run.result) == [(R1, None)]
    expected_uuid = message['uuid'] if status == 'delivered' else None
    assert [(e['to'], e['uuid'], e['status']) for e in run.result['delivery']] == [(R1, expected_uuid, status)]
    assert run.failed is (status == 'unknown')
    assert 'delivery: 1 %s' % status in run.result['msg']
    assert len(sends(network)) == 1


@pytest.mark.parametrize('setting, names_it', [
    pytest.param({'faults': [FIRST_ANSWER_LOST]}, True, id='lost-answer-looked-up'),
    pytest.param({'send_answer': 'other_page'}, False, id='answered-with-other-messages'),
])
def test_an_old_message_stamped_in_the_future_is_neither_in_the_way_nor_taken_for_ours(ansible, network, setting,
                                                                                       names_it):
    stamped_tomorrow = network.store_message(SENDER, R1, TEXT, created_at=sim_time(network, 86400))
    network.config(**setting)
    result = send(ansible, to=[R1], expect_rc=0).result
    [new] = [item for item in network.sent_to(R1) if item['uuid'] != stamped_tomorrow['uuid']]
    assert named(result) == [(R1, new['uuid'] if names_it else None)]
    assert len(sends(network)) == 1


@pytest.mark.parametrize('rewrite, text', [
    ('typographic', 'the deploy\'s "done"'),
    ('trim', '  deploy finished \n'),
])
def test_a_text_the_server_rewrote_is_still_found_and_deduplicated(ansible, network, rewrite, text):
    align_clock_with_this_machine(network)
    network.config(text_rewrite=rewrite, faults=[FIRST_ANSWER_LOST])
    result = send(ansible, to=[R1], text=text, dedupe_window=3600, expect_rc=0).result
    [message] = network.sent_to(R1)
    assert message['text'] != text, 'the server did not rewrite the text: this test proves nothing'
    assert named(result) == [(R1, message['uuid'])]
    rerun = send(ansible, to=[R1, R2], text=text, dedupe_window=3600, expect_rc=0).result
    assert rerun['skipped_recipients'] == [R1]
    assert stored(network, R1, R2) == [1, 1]


EARLIER = 1200
PAGE = 200


@pytest.mark.parametrize('order, ignore_filter, reads_every_page', [
    ('newest_first', True, False),
    ('newest_first', False, False),
    ('oldest_first', True, True),
    ('honour', True, True),
])
def test_the_look_up_finds_the_message_whatever_the_list_order(ansible, network, order, ignore_filter,
                                                               reads_every_page):
    # The same text to the same recipient, many times, an hour before the task.
    for dummy in range(EARLIER // 100):
        network.request('POST', MESSAGES_PATH, body=[{'to': [R1] * 100, 'from': SENDER, 'text': TEXT}])
    network.advance_clock(3600)
    earlier = set(item['uuid'] for item in network.sent_to(R1))
    network.config(message_list_order=order, ignore_created_at_filter=ignore_filter, max_page_size=PAGE,
                   faults=[FIRST_ANSWER_LOST])
    network.clear_log()
    result = send(ansible, to=[R1], expect_rc=0).result
    [new] = [item for item in network.sent_to(R1) if item['uuid'] not in earlier]
    assert named(result) == [(R1, new['uuid'])]
    assert len(sends(network)) == 1
    # Two listings: the messages already there before sending, and the look-up after the lost answer. Newest
    # first, each stops at its first page, whose records fall below the mark; a server that neither filters nor
    # lists newest first must be read to the end.
    if reads_every_page:
        assert len(listings(network)) == math.ceil(EARLIER / PAGE) + math.ceil((EARLIER + 1) / PAGE)
    else:
        assert len(listings(network)) == 2
