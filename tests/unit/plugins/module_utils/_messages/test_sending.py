# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""ExactlyOnceSender, kinship, received_copies and the task's clocks, on the in-memory API (FakeMessageClient)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._messages.client import SendReceipt
from ansible_collections.invoca.messaging.plugins.module_utils._messages.records import format_timestamp
from ansible_collections.invoca.messaging.plugins.module_utils._messages.sending import (
    MARK_MARGIN,
    MAYBE_OURS,
    OURS,
    ExactlyOnceSender,
    dedupe_start,
    kinship,
    may_have_applied,
    received_copies,
    task_mark,
)
from ansible_collections.invoca.messaging.tests.unit.fakes import (
    MESSAGES_PATH,
    MESSAGE_CLOCK_START,
    N1,
    N2,
    N3,
    SEND_FAULTS,
    TOKEN,
    FakeMessageClient,
)

SENDER = '+18885550199'
TEXT = "Deploy done: it's \"green\""
# What the simulator's text_rewrite: typographic stores for TEXT.
TYPOGRAPHIC_TEXT = u'Deploy done: it\u2019s \u201cgreen\u201d'
# Faults after which the message may be stored, and what a look-up right after the send finds: the message
# (sent), or nothing yet (unknown). Either way it is never posted again.
MAY_HAVE_STORED = {'lost': 'sent', 'applied_5xx': 'sent', 'late': 'unknown', 'unapplied_5xx': 'unknown'}
ACCEPTED = {'accepted_unnamed', 'accepted_other_page', 'see_other'}


def seconds(value):
    return datetime.timedelta(seconds=value)


def memory_api(faults=(), **kwargs):
    """The in-memory API the sender talks to: SENDER is one of its numbers; ``faults`` apply to the next posts."""
    return FakeMessageClient(senders=[SENDER], faults=faults, **kwargs)


def sender_for(api, text=TEXT, recipients=(N1, N2, N3)):
    """A prepared sender, its mark taken from the API's clock as the module takes it from the server's Date."""
    once = ExactlyOnceSender(api, SENDER, text, recipients)
    once.prepare(task_mark(api.now(), api.now()))
    return once


def old_message(api, to, text=TEXT, age=0.0, **extra):
    """A message of SENDER that existed before the task, ``age`` seconds before the API's clock."""
    item = {'uuid': 'old-%d' % (len(api.stored) + 1), 'from': SENDER, 'to': to, 'text': text, 'direction': 'out',
            'created_at': format_timestamp(api.now() - seconds(age)), 'deleted_at': None}
    item.update(extra)
    api.add(item)
    return item


def test_the_fault_knobs_here_are_every_fault_of_the_fake():
    # A new fault of FakeMessageClient must be classified here, so that no-resend is proved for it too.
    assert set(MAY_HAVE_STORED) | ACCEPTED | {'refused', 'never_reached'} == set(SEND_FAULTS)


# -- sending: at most one post per recipient ----------------------------------------------------------------------

def test_a_send_named_by_its_answer_is_sent_without_a_look_up():
    api = memory_api()
    outcome = sender_for(api).send(N1)
    assert (outcome.state, outcome.record['uuid'], outcome.error, outcome.extra_uuids) == ('sent', 'm1', None, [])
    # prepare() reads once (the messages since the mark); nothing else.
    assert api.sends == [N1] and api.lookups == 1


@pytest.mark.parametrize('fault', sorted(MAY_HAVE_STORED))
def test_no_resend_after_a_failure_that_may_have_stored(fault):
    api = memory_api([fault])
    outcome = sender_for(api).send(N1)
    assert api.sends == [N1]
    assert outcome.state == MAY_HAVE_STORED[fault]
    assert len(api.stored) == (0 if fault == 'unapplied_5xx' else 1)
    # One look-up after the failure, never a second.
    assert api.lookups == 1 + 1
    if outcome.state == 'sent':
        assert outcome.record['uuid'] == 'm1'
    else:
        assert outcome.error.may_have_applied is True and outcome.record is None


@pytest.mark.parametrize('fault', ['accepted_unnamed', 'see_other', 'accepted_other_page'])
def test_a_2xx_or_303_without_our_record_is_sent_unnamed_never_resent_nor_looked_up(fault):
    api = memory_api()
    old_message(api, N1, age=3600)
    once = sender_for(api)
    api.faults.append(fault)
    outcome = once.send(N1)
    assert (outcome.state, outcome.record, outcome.error) == ('sent', None, None)
    assert api.sends == [N1] and api.lookups == 1


@pytest.mark.parametrize('fault', ['refused', 'never_reached'])
def test_a_failure_that_proves_nothing_was_stored_is_failed_without_a_look_up(fault):
    api = memory_api([fault])
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'failed' and outcome.error.may_have_applied is False
    assert api.lookups == 1 and api.stored == []


def test_not_found_is_unknown_and_says_to_rerun_with_dedupe_window():
    api = memory_api(['late'])
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'unknown' and api.sends == [N1]
    message = str(outcome.error)
    assert 'not sent again' in message and 'Rerun with dedupe_window' in message and SENDER in message


def test_failed_lookup_makes_the_outcome_unknown_and_nothing_is_resent():
    api = memory_api(['lost'], lookup_error=True)
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'unknown' and api.sends == [N1]
    assert 'looking for the message afterwards failed too' in str(outcome.error)
    assert outcome.error.may_have_applied is True


class StoresThenExplodes(FakeMessageClient):
    def post(self, sender, recipient, text):
        FakeMessageClient.post(self, sender, recipient, text)
        raise RuntimeError('something no one foresaw')


def test_unexpected_exception_after_the_send_is_looked_up_and_not_resent():
    api = StoresThenExplodes(senders=[SENDER])
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'sent' and outcome.record['uuid'] == 'm1' and api.sends == [N1]


def test_unexpected_exception_with_a_failing_lookup_is_unknown():
    api = StoresThenExplodes(senders=[SENDER], lookup_error=True)
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'unknown' and api.sends == [N1]
    assert 'RuntimeError' in str(outcome.error) and outcome.error.kind == 'unexpected'


def test_an_error_that_was_never_attempted_is_failed():
    not_attempted = ApiError('POST', MESSAGES_PATH, 'not attempted: the task failed', kind='not_attempted')
    api = memory_api([not_attempted])
    assert sender_for(api).send(N1).state == 'failed' and api.lookups == 1


def test_send_before_prepare_is_a_programming_error():
    with pytest.raises(RuntimeError):
        ExactlyOnceSender(memory_api(), SENDER, TEXT, [N1]).send(N1)


# -- its own message, and only its own -----------------------------------------------------------------------------

def test_a_message_stored_with_typographic_quotes_and_trimmed_is_found():
    api = memory_api(['lost'], text_transform=lambda text: u'  %s\n' % TYPOGRAPHIC_TEXT)
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'sent' and outcome.record['uuid'] == 'm1' and api.sends == [N1]


def test_a_message_stamped_a_little_before_the_servers_time_is_found_one_long_before_is_not():
    # Another API host stamps our message a minute early (within MARK_MARGIN): found.
    api = memory_api(['lost'], send_skew=-60.0)
    assert sender_for(api).send(N1).state == 'sent'
    # Stamped earlier than the mark: never taken for ours; unknown, and not resent.
    api = memory_api(['lost'], send_skew=-MARK_MARGIN.total_seconds() - 60)
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'unknown' and api.sends == [N1]


def test_an_identical_message_from_before_the_task_is_never_ours():
    # Sent by another job since the mark, before this task's first send: prepare() remembers it.
    api = memory_api()
    old_message(api, N1, age=30)
    once = sender_for(api)
    api.faults.append('unapplied_5xx')
    outcome = once.send(N1)
    assert outcome.state == 'unknown' and outcome.record is None and api.sends == [N1]


def test_other_recipients_and_texts_do_not_match():
    api = memory_api()
    once = sender_for(api, text='hi')
    api.store_message(SENDER, N2, 'hi')
    api.store_message(SENDER, N1, 'other')
    api.store_message(N3, N1, 'hi')
    api.faults.append('unapplied_5xx')
    outcome = once.send(N1)
    assert outcome.state == 'unknown' and api.sends == [N1]


def test_a_record_in_the_answer_older_than_the_mark_or_with_another_text_is_never_taken():
    api = memory_api()
    before_mark = old_message(api, N1, age=MARK_MARGIN.total_seconds() + 60)
    once = sender_for(api)
    other_text = api.store_message(SENDER, N1, 'another text')
    api.post = lambda sender, recipient, text: SendReceipt(202, [dict(before_mark), dict(other_text)])
    outcome = once.send(N1)
    assert (outcome.state, outcome.record, outcome.extra_uuids) == ('sent', None, [])


def test_a_pre_existing_identical_message_in_the_answer_is_never_taken():
    api = memory_api()
    earlier = old_message(api, N1, age=30)
    once = sender_for(api)
    api.post = lambda sender, recipient, text: SendReceipt(202, [dict(earlier)])
    outcome = once.send(N1)
    assert (outcome.state, outcome.record) == ('sent', None)


def test_a_textless_record_in_our_own_answer_is_ours():
    # 2022-05-01 records carry no text: in the answer to our own POST, the new record to the recipient is ours.
    api = memory_api()
    once = sender_for(api)
    stored = api.store_message(SENDER, N1, TEXT)
    del stored['text']
    api.post = lambda sender, recipient, text: SendReceipt(202, [stored])
    assert once.send(N1).record['uuid'] == stored['uuid']


class TextlessListing(FakeMessageClient):
    """A 2022-05-01 server: listed records show no text."""

    def outgoing(self, sender, since):
        for item in FakeMessageClient.outgoing(self, sender, since):
            del item['text']
            yield item


def test_a_textless_match_in_the_look_up_is_unknown_since_another_job_may_have_sent_it():
    api = TextlessListing(senders=[SENDER], faults=['lost'])
    outcome = sender_for(api).send(N1)
    assert outcome.state == 'unknown' and api.sends == [N1]
    assert 'shows no texts' in str(outcome.error)


def test_an_unusable_uuid_in_the_answer_is_sent_unnamed_and_never_shown():
    hostile = TOKEN + '/x'
    api = memory_api()
    once = sender_for(api)
    record = api.store_message(SENDER, N1, TEXT)
    api.post = lambda sender, recipient, text: SendReceipt(202, [dict(record, uuid=hostile)])
    outcome = once.send(N1)
    assert (outcome.state, outcome.record) == ('sent', None)
    assert TOKEN not in repr(vars(outcome))


class HostileUuids(FakeMessageClient):
    def outgoing(self, sender, since):
        for item in FakeMessageClient.outgoing(self, sender, since):
            yield dict(item, uuid=TOKEN + '/' + item['uuid'])


def test_an_unusable_uuid_in_the_look_up_is_sent_but_not_named():
    api = HostileUuids(senders=[SENDER], faults=['lost'])
    outcome = sender_for(api).send(N1)
    assert (outcome.state, outcome.record, outcome.extra_uuids) == ('sent', None, [])
    assert TOKEN not in repr(vars(outcome)) and api.sends == [N1]


def test_two_messages_found_for_one_recipient_are_counted_once_and_named():
    api = memory_api(['lost'])
    once = sender_for(api)
    duplicate = api.store_message(SENDER, N1, TEXT)
    outcome = once.send(N1)
    assert outcome.state == 'sent' and outcome.record['uuid'] == duplicate['uuid']
    assert outcome.extra_uuids == ['m2']


def test_concurrent_recipients_never_claim_the_same_record():
    recipients = ['+1555123%04d' % index for index in range(20)]
    api = memory_api(recipient_faults=dict((to, 'lost') for to in recipients))
    once = sender_for(api, recipients=recipients)
    with ThreadPoolExecutor(4) as pool:
        outcomes = list(pool.map(once.send, recipients))
    assert [outcome.state for outcome in outcomes] == ['sent'] * 20
    assert all(outcome.record['to'] == outcome.recipient for outcome in outcomes)
    assert len({outcome.record['uuid'] for outcome in outcomes}) == 20 and len(api.sends) == 20


def test_a_record_is_claimed_once_by_a_second_send_to_the_same_recipient():
    api = memory_api(['lost', 'lost'])
    once = sender_for(api)
    first, second = once.send(N1), once.send(N1)
    # The second look-up sees both messages; the first is already counted.
    assert (first.state, first.record['uuid'], second.state, second.record['uuid']) == ('sent', 'm1', 'sent', 'm2')
    assert first.extra_uuids == second.extra_uuids == []
    assert once.find(N1, [api.get('m1'), api.get('m2')]) == ([], [])


# -- kinship -------------------------------------------------------------------------------------------------------

MARK = MESSAGE_CLOCK_START


def candidate(**changes):
    item = {'uuid': 'u1', 'from': SENDER, 'to': N1, 'text': TEXT, 'direction': 'out',
            'created_at': format_timestamp(MARK + seconds(1))}
    item.update(changes)
    return dict((key, value) for key, value in item.items() if value is not KeyError)


@pytest.mark.parametrize('changes, expected', [
    ({}, OURS),
    ({'direction': 'outbound'}, OURS),
    ({'direction': KeyError}, OURS),
    ({'created_at': format_timestamp(MARK)}, OURS),
    ({'text': TYPOGRAPHIC_TEXT}, OURS),
    ({'text': u'  Deploy   done:\r\nit\u2019s "green"\n'}, OURS),
    ({'text': KeyError}, MAYBE_OURS),
    ({'direction': 'in'}, None),
    ({'direction': 'inbound'}, None),
    ({'from': N2}, None),
    ({'to': N2}, None),
    ({'created_at': format_timestamp(MARK - seconds(0.001))}, None),
    ({'created_at': 'yesterday'}, None),
    ({'created_at': KeyError}, None),
    ({'text': 'Deploy done'}, None),
    ({'text': None}, None),
    ({'text': TEXT.replace(' ', '')}, None),
], ids=['same', 'outbound', 'no-direction', 'at-the-mark', 'typographic', 'white-space', 'no-text', 'in', 'inbound',
        'other-sender', 'other-recipient', 'before-the-mark', 'unreadable-time', 'no-time', 'other-text', 'null-text',
        'space-removed'])
def test_kinship(changes, expected):
    assert kinship(candidate(**changes), SENDER, N1, TEXT, MARK) == expected


def test_find_counts_a_textless_record_as_ours_only_when_told():
    textless = candidate(text=KeyError)
    once = ExactlyOnceSender(memory_api(), SENDER, TEXT, [N1])
    once.mark = MARK
    assert once.find(N1, [textless]) == ([], [textless])
    assert once.find(N1, [textless], textless_is_ours=True) == ([textless], [])


# -- received_copies: the dedupe of a rerun ------------------------------------------------------------------------

SINCE = MESSAGE_CLOCK_START


def dedupe_api(**kwargs):
    """Copies of TEXT to N1 (delivered), N2 (failed at the carrier) and N3 (pending), after SINCE."""
    api = memory_api(message_outcomes={N2: 'failed'}, default_outcome='delivered', **kwargs)
    api.store_message(SENDER, N1, TEXT, created_at=SINCE + seconds(10))
    api.store_message(SENDER, N2, TEXT, created_at=SINCE + seconds(10))
    api.store_message(SENDER, N3, TEXT, created_at=SINCE + seconds(10), outcome='pending')
    return api


@pytest.mark.parametrize('contract_list_items', [False, True], ids=['full-records', 'contract-list-items'])
def test_dedupe_counts_delivered_and_pending_copies_never_failed_ones(contract_list_items):
    api = dedupe_api(contract_list_items=contract_list_items)
    assert received_copies(api, SENDER, TEXT, [N1, N2, N3], SINCE) == {N1, N3}


def test_list_items_without_an_outcome_are_read_by_uuid_once_each():
    api = dedupe_api(contract_list_items=True)
    # A second delivered copy to N1: N1 is decided by its first.
    api.store_message(SENDER, N1, TEXT, created_at=SINCE + seconds(20))
    api.store_message(SENDER, '+15551230000', TEXT, created_at=SINCE + seconds(20))
    api.store_message(SENDER, N2, 'another text', created_at=SINCE + seconds(20))
    api.calls = []
    assert received_copies(api, SENDER, TEXT, [N1, N2, N3], SINCE) == {N1, N3}
    read = [argument for action, argument in api.calls if action == 'get']
    # N1's first copy, N2's failed copy, N3's pending copy: nothing for N1's second copy, another recipient or text.
    assert read == ['m1', 'm2', 'm3'] and api.lookups == 1


def test_full_records_need_no_read_by_uuid():
    api = dedupe_api()
    api.calls = []
    received_copies(api, SENDER, TEXT, [N1, N2, N3], SINCE)
    assert [action for action, dummy in api.calls] == ['outgoing']


def test_a_copy_deleted_before_any_delivery_does_not_count_one_deleted_after_delivery_does():
    api = memory_api()
    api.store_message(SENDER, N1, TEXT, created_at=SINCE + seconds(10), outcome='pending', deleted=True)
    api.store_message(SENDER, N2, TEXT, created_at=SINCE + seconds(10), outcome='delivered', deleted=True)
    assert received_copies(api, SENDER, TEXT, [N1, N2], SINCE) == {N2}
    api.contract_list_items = True
    assert received_copies(api, SENDER, TEXT, [N1, N2], SINCE) == {N2}


def test_a_copy_whose_record_is_gone_does_not_count():
    api = dedupe_api(contract_list_items=True)
    api.get = lambda uuid: None
    assert received_copies(api, SENDER, TEXT, [N1, N2, N3], SINCE) == set()


def test_dedupe_skips_only_the_same_text_from_the_same_number_within_the_window():
    api = memory_api()
    api.store_message(SENDER, N1, TEXT, created_at=SINCE + seconds(1))
    api.store_message(SENDER, N2, TEXT, created_at=SINCE - seconds(1))
    api.store_message(SENDER, N3, 'other', created_at=SINCE + seconds(1))
    api.store_message(N2, N3, TEXT, created_at=SINCE + seconds(1))
    api.store_message(N3, SENDER, TEXT, direction='in', created_at=SINCE + seconds(1))
    assert received_copies(api, SENDER, TEXT, [N1, N2, N3], SINCE) == {N1}


def test_dedupe_compares_texts_after_normalising_white_space_and_quotes():
    api = memory_api()
    api.store_message(SENDER, N1, u'line one\n\n%s' % TYPOGRAPHIC_TEXT, created_at=SINCE + seconds(1))
    assert received_copies(api, SENDER, u'line one\r\n%s\n' % TEXT, [N1], SINCE) == {N1}
    assert received_copies(api, SENDER, 'line one', [N1], SINCE) == set()


def test_a_server_without_texts_proves_no_copy():
    api = TextlessListing(senders=[SENDER])
    api.store_message(SENDER, N1, TEXT, created_at=SINCE + seconds(1))
    assert received_copies(api, SENDER, TEXT, [N1], SINCE) == set()


def test_a_failing_read_of_a_copy_is_an_error_not_a_skip():
    api = dedupe_api(contract_list_items=True)

    def fails(uuid):
        raise ApiError('GET', MESSAGES_PATH + '/uuid/' + uuid, 'Internal Server Error', status=500)
    api.get = fails
    with pytest.raises(ApiError):
        received_copies(api, SENDER, TEXT, [N1], SINCE)


# -- the task's clocks ---------------------------------------------------------------------------------------------

NOW = datetime.datetime(2024, 6, 1, 12, 0, 0, tzinfo=datetime.timezone.utc)


def test_task_mark_is_the_servers_time_less_the_margin_else_this_machines():
    assert MARK_MARGIN == seconds(120)
    assert task_mark(NOW, NOW + seconds(3600)) == NOW - MARK_MARGIN
    assert task_mark(None, NOW) == NOW - MARK_MARGIN


@pytest.mark.parametrize('server_now, clock_now, start', [
    (NOW, NOW, NOW - seconds(600)),
    # A cache answering with an old Date: the controller's clock is later and wins.
    (NOW - seconds(7200), NOW, NOW - seconds(600)),
    # A controller whose clock is behind: the server's is later and wins.
    (NOW, NOW - seconds(7200), NOW - seconds(600)),
    (None, NOW, NOW - seconds(600)),
], ids=['agree', 'server-behind', 'controller-behind', 'no-date'])
def test_dedupe_start_measures_the_window_from_the_later_clock(server_now, clock_now, start):
    assert dedupe_start(600, server_now, clock_now) == start


def test_may_have_applied_is_the_opposite_of_proven_not_stored_except_never_attempted():
    assert may_have_applied(ApiError('POST', MESSAGES_PATH, 'x', status=500)) is True
    assert may_have_applied(ApiError('POST', MESSAGES_PATH, 'x', status=422)) is False
    assert may_have_applied(ApiError('POST', MESSAGES_PATH, 'x', kind='transport', may_have_applied=True)) is True
    assert may_have_applied(ApiError('POST', MESSAGES_PATH, 'x', kind='not_attempted', may_have_applied=True)) is False
