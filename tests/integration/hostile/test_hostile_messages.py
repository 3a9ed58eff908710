# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The hostile server's guarantees for the message modules, which share the phone-number modules' transport.

The hostile server is an honest API for phone numbers only; the /messages endpoints are scripted here by rules:
an honest, empty listing of messages, and a hostile answer to the send or to the listing.
"""

from __future__ import annotations

import json

import pytest

from conftest import assert_clean_failure
from hostile_fixtures import Stopwatch, assert_no_crash, assert_no_token_fragment, random_token
from hostile_server import Reply

SENDER = '+18885550100'
RECIPIENTS = ['+1555123%04d' % i for i in range(1, 9)]
TEXT = 'invoca.messaging: the deploy finished'
# Every listing of messages: all of them, or one number's (/messages/phone_number/+1...).
LISTINGS = r'/messages(/phone_number/[^/]+)?$'


def honest_listing(request):
    """No message was ever sent: the listing the sender's mark and every look-up read."""
    return Reply(200, {'messages': [], 'pagination': {'count': 0, 'pages': 1, 'page': 1, 'next': None}})


@pytest.fixture
def messages_api(hostile):
    """The hostile server with the sender as an active number and an honest, empty listing of messages.

    Rules are tried in the order they were added: a test adds its hostile rule before calling this fixture's
    ``honest()``, which adds the honest listing last.
    """
    hostile.seed(SENDER)

    class Api:
        server = hostile

        @staticmethod
        def honest():
            hostile.on('GET', LISTINGS, handler=honest_listing)

    return Api


def send(hostile_ansible, recipients=RECIPIENTS, env=None, **args):
    return hostile_ansible.module('sms_message', dict({'from_number': SENDER, 'to_numbers': recipients, 'text': TEXT},
                                                      **args), env=env)


def failed_recipients(run):
    return sorted(f['to'] for f in run.result.get('failures') or [])


def test_a_send_answered_with_a_redirect_is_not_resent_there(messages_api, hostile_ansible, other_origin):
    hostile = messages_api.server
    hostile.on('POST', r'/messages$', action='redirect', status=307, location=other_origin.url + '/sms/2022-08-01/messages')
    messages_api.honest()
    run = send(hostile_ansible, recipients=RECIPIENTS[:2], concurrency=1)
    assert_no_crash(run)
    assert run.failed
    assert_clean_failure(run.result)
    assert failed_recipients(run) == RECIPIENTS[:2]
    assert all('redirect' in f['message'] for f in run.result['failures']), run.result['failures']
    assert not run.result.get('sent')
    assert other_origin.requests() == [], 'a send was redirected to another origin: %s' % other_origin.log
    # A redirect proves the send was not taken: one POST per recipient, never repeated as another method.
    assert len(hostile.requests('POST', r'/messages$')) == 2


@pytest.mark.core_sensitive
@pytest.mark.parametrize('form, part', [('json', 'full'), ('html', 'full'), ('errors', 'prefix10'), ('json', 'repr')])
def test_token_echoed_by_a_send_never_shows(messages_api, hostile_ansible, form, part):
    hostile = messages_api.server
    token = random_token()
    hostile.on('POST', r'/messages$', action='echo_token', form=form, part=part, status=422)
    messages_api.honest()
    run = send(hostile_ansible, recipients=RECIPIENTS[:2], env={'INVOCA_API_TOKEN': token})
    assert_no_crash(run)
    assert run.failed
    assert_clean_failure(run.result)
    assert failed_recipients(run) == RECIPIENTS[:2]
    assert [e['status'] for e in hostile.requests('POST', r'/messages$')] == [422, 422]
    assert_no_token_fragment(run, token)


@pytest.mark.core_sensitive
@pytest.mark.parametrize('form', ['json', 'html', 'errors_text'])
def test_token_echoed_to_sms_message_info_never_shows(messages_api, hostile_ansible, form):
    token = random_token()
    messages_api.server.on('GET', LISTINGS, action='echo_token', form=form, part='full', status=400)
    run = hostile_ansible.module('sms_message_info', {'phone_number': SENDER}, env={'INVOCA_API_TOKEN': token})
    assert_no_crash(run)
    assert run.failed
    assert_clean_failure(run.result)
    assert [e['status'] for e in messages_api.server.requests('GET', LISTINGS)] == [400]
    assert_no_token_fragment(run, token)


@pytest.mark.core_sensitive
def test_token_never_shows_in_the_traceback_ansible_adds_when_asked(messages_api, hostile_ansible):
    # ANSIBLE_DISPLAY_TRACEBACK (ansible-core 2.19+; older ones ignore it) puts the pending exception, with the
    # messages of its chained causes, into the result and the output: those may quote the server.
    token = random_token()
    messages_api.server.on('GET', LISTINGS, action='echo_token', form='html', part='full', status=400)
    run = hostile_ansible.module('sms_message_info', {'phone_number': SENDER},
                                 env={'INVOCA_API_TOKEN': token, 'ANSIBLE_DISPLAY_TRACEBACK': 'always'})
    assert run.failed
    assert [e['status'] for e in messages_api.server.requests('GET', LISTINGS)] == [400]
    assert_no_token_fragment(run, token)


@pytest.mark.core_sensitive
def test_a_pager_that_echoes_the_token_never_shows_it(messages_api, hostile_ansible):
    token = random_token()

    def pager_with_token(request):
        return Reply(200, {'messages': [], 'pagination': {'next': 'page-' + request.token}})

    messages_api.server.on('GET', LISTINGS, handler=pager_with_token)
    run = hostile_ansible.module('sms_message_info', {'phone_number': SENDER}, env={'INVOCA_API_TOKEN': token})
    assert_no_crash(run)
    assert run.failed
    assert 'page' in run.result['msg']
    assert_no_token_fragment(run, token)


def test_a_server_hanging_on_every_send_costs_a_bounded_time(messages_api, hostile_ansible):
    hostile = messages_api.server
    hostile.on('POST', r'/messages$', action='hang', seconds=60)
    messages_api.honest()
    with Stopwatch(hostile) as watch:
        run = send(hostile_ansible, timeout=1, concurrency=2, max_recipients=len(RECIPIENTS))
    assert_no_crash(run)
    assert run.failed
    assert_clean_failure(run.result)
    # Without the circuit: every send and every look-up after it times out, for each of the 8 recipients.
    assert watch.since_first_request < 25, 'a server hanging on every send held the task %.0f s' % (
        watch.since_first_request)
    assert failed_recipients(run) == RECIPIENTS, json.dumps(run.result, indent=1)[:3000]
    assert not run.result.get('sent')
    # A send that got no answer after its request was written may have been stored (the API stores late), so
    # the look-up not finding it proves nothing: unknown, never resent. The circuit then stops further sends,
    # which never reached the server: failed (a rerun sends them).
    posts = len(hostile.requests('POST', r'/messages$'))
    assert 0 < posts < len(RECIPIENTS)
    outcomes = [f['outcome'] for f in run.result['failures']]
    assert outcomes.count('unknown') == posts, run.result['failures']
    assert outcomes.count('failed') == len(RECIPIENTS) - posts, run.result['failures']
    for failure in run.result['failures']:
        assert ('no answer' if failure['outcome'] == 'unknown' else 'not attempted') in failure['message'], failure
