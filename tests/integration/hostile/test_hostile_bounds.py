# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bounded in time and memory, whatever the server does, against the hostile server.

A trickling server, a huge or compressed-huge body, a listing that never ends or ends short, a server that hangs
on every write and a rate-limited API: each must cost a bounded time and end in a result the user can trust.
"""

from __future__ import annotations

import json

import pytest

from conftest import assert_clean_failure
from hostile_fixtures import Stopwatch, assert_no_crash
from hostile_server import Reply, record

LISTING = r'/phone_numbers$'


def listing_requests(server):
    return server.requests('GET', LISTING)


@pytest.mark.parametrize('part', ['body', 'headers'])
def test_trickling_server_cannot_hold_a_task_past_its_timeout(hostile, hostile_ansible, part):
    timeout, attempts = 2, 2
    hostile.on('GET', r'/phone_numbers', action='trickle', length=45, part=part)
    with Stopwatch(hostile) as watch:
        run = hostile_ansible.module('sms_phone_number_info', {'phone_number': '+18885550500', 'timeout': timeout,
                                                               'max_retries': attempts - 1})
    # Slack for the backoff between the attempts and for ansible printing the result.
    assert watch.since_first_request < timeout * attempts + 15, (
        'a server sending a byte a second held the task %.0f s with timeout %d and %d attempts'
        % (watch.since_first_request, timeout, attempts))
    assert run.failed
    assert_clean_failure(run.result)


@pytest.mark.parametrize('action', ['huge', 'gzip_bomb'])
def test_oversized_body_is_refused(hostile, hostile_ansible, action):
    hostile.on('GET', r'/phone_numbers', action=action)
    with Stopwatch() as watch:
        run = hostile_ansible.module('sms_phone_number_info', {'phone_number': '+18885550501', 'max_retries': 0})
    assert_no_crash(run)
    assert run.failed
    assert_clean_failure(run.result)
    msg = run.result['msg'].lower()
    assert 'too large' in msg or 'exceeds' in msg, 'the message does not say the body was too large: %s' % msg
    assert watch.elapsed < 60


def endless_pages(announced_pages=2):
    """Every page is full of numbers never seen before and names a next page; count/pages announce 2 pages."""

    def handler(request):
        limit = int(request.arg('limit', '100'))
        page = int(request.arg('page', '1'))
        items = [record('+1777%07d' % (page * limit + i)) for i in range(limit)]
        # The server gives up after 40 pages, so that today's client (which follows them all) ends at all.
        next_page = None if page >= 40 else page + 1
        return Reply(200, {'phone_numbers': items, 'pagination': {
            'count': announced_pages * limit, 'pages': announced_pages, 'page': page, 'items': limit,
            'next': next_page, 'next_url': '%s?page=%s' % (request.path, next_page or '')}})

    return handler


def test_listing_that_passes_its_announced_size_stops_with_an_error(hostile, hostile_ansible):
    hostile.on('GET', LISTING, handler=endless_pages())
    run = hostile_ansible.module('sms_phone_number_info', {'timeout': 10})
    assert run.failed, 'a listing that never ended was returned: %d records' % len(run.result.get('phone_numbers', []))
    assert_clean_failure(run.result)
    assert len(listing_requests(hostile)) <= 3, 'the listing was followed %d pages past the 2 it announced' % (
        len(listing_requests(hostile)) - 2)


def test_exclusive_over_an_endless_listing_writes_nothing(hostile, hostile_ansible):
    hostile.on('GET', LISTING, handler=endless_pages())
    # max_deletions: a safety net for today's code, which would otherwise delete every number it was shown.
    run = hostile_ansible.module('sms_phone_number', {'phone_numbers': ['+18885550502'], 'exclusive': True,
                                                      'max_deletions': 0})
    assert run.failed
    assert_clean_failure(run.result)
    assert not hostile.writes()
    assert len(listing_requests(hostile)) <= 3, 'the listing was followed %d pages past the 2 it announced' % (
        len(listing_requests(hostile)) - 2)
    assert 'max_deletions' not in run.result['msg'], 'the listing was trusted: %s' % run.result['msg']


DESIRED = ['+1666%07d' % i for i in range(600)]
UNWANTED_FIRST, UNWANTED_LAST = '+16650000001', '+16659999999'


def short_listing(hostile, case):
    """The network holds UNWANTED_FIRST, DESIRED and UNWANTED_LAST, in that order; page 1 lies about the rest."""

    def handler(request):
        page = int(request.arg('page', '1'))
        reply = hostile.listing(request, hostile.records)
        if case == 'ends-short-of-count':
            body = _body(reply)
            body['pagination']['count'] = len(hostile.records) + 1
            return _with_body(reply, body)
        if page != 1:
            return reply
        body = _body(reply)
        if case == 'full-page-without-next':
            body['pagination'].update({'next': None, 'next_url': request.path + '?page=', 'pages': 1})
            body['pagination'].pop('count')
        else:  # next-is-not-a-page-number
            body['pagination'].update({'next': 'two', 'next_url': request.path + '?page=two'})
        return _with_body(reply, body)

    return handler


def _body(reply):
    return json.loads(reply.data)


def _with_body(reply, body):
    reply.data = json.dumps(body).encode('utf-8')
    return reply


@pytest.mark.parametrize('case', ['full-page-without-next', 'next-is-not-a-page-number', 'ends-short-of-count'])
def test_short_listing_is_never_trusted_by_exclusive(hostile, hostile_ansible, case):
    hostile.seed(UNWANTED_FIRST, *DESIRED)
    hostile.seed(UNWANTED_LAST)
    hostile.on('GET', LISTING, handler=short_listing(hostile, case))
    run = hostile_ansible.module('sms_phone_number', {'phone_numbers': DESIRED, 'exclusive': True})
    assert_no_crash(run)
    if case == 'ends-short-of-count' or run.failed:
        assert run.failed, 'a listing short of its count was trusted: %s' % run.result
        assert_clean_failure(run.result)
        assert not hostile.writes(), 'writes sent from a short listing: %d' % len(hostile.writes())
    else:
        # Completed by asking for the remaining pages by number: the result must be the true one.
        assert not hostile.requests('POST'), '%d desired numbers on the unseen page were "created" again' % len(
            hostile.requests('POST'))
        assert sorted(run.result['deleted']) == sorted([UNWANTED_FIRST, UNWANTED_LAST]), run.result['deleted']


def test_pool_stops_sending_after_consecutive_transport_failures(hostile, hostile_ansible):
    numbers = ['+18885551%03d' % i for i in range(40)]
    timeout, attempts, concurrency = 1, 2, 2
    hostile.on('POST', r'/phone_numbers', action='hang', seconds=30)
    with Stopwatch(hostile) as watch:
        run = hostile_ansible.module('sms_phone_number', {'phone_numbers': numbers, 'timeout': timeout,
                                                          'max_retries': attempts - 1, 'concurrency': concurrency})
    assert_no_crash(run)
    assert run.failed
    assert_clean_failure(run.result)
    # Today every write times out every attempt: about 40 x 2 x 1 s / 2 workers, plus the backoff, 50 s in all.
    assert watch.since_first_request < 20, 'a server hanging on every write held the task %.0f s' % (
        watch.since_first_request)
    # Every number is accounted for once: a write sent and failed, or one never sent (listed by number).
    failed = [f['phone_number'] for f in run.result['failures']]
    not_attempted = run.result['not_attempted']['create']
    assert sorted(failed + not_attempted) == sorted(numbers)
    assert not_attempted, 'every write was tried against a server that answers none'
    assert len(hostile.requests('POST')) < len(numbers)
    assert run.result['created'] == []


def test_300_creates_against_a_rate_limited_api_all_succeed(hostile, hostile_ansible):
    numbers = ['+18885552%03d' % i for i in range(300)]
    # Requests a second; beyond, 429 with Retry-After: 1. Eight workers ask for far more than 25 a second (the
    # module sends 300 creates in about a second against an API without a limit), so they are refused again and
    # again; 25 rather than 6 takes the test from about 55 s to about 15 s of waiting out the limit.
    hostile.rate_limit = 25
    # max_retries bounds every attempt, a 429 included: behind a rate limit this tight, a user raises it.
    with Stopwatch() as watch:
        run = hostile_ansible.module('sms_phone_number', {'phone_numbers': numbers, 'concurrency': 8,
                                                          'max_retries': 20})
    assert not run.failed, 'creates failed against an API allowing 25 requests a second: %s' % run.result['msg']
    assert sorted(run.result['created']) == numbers
    assert hostile.active() == numbers
    assert watch.elapsed < 150
    assert any(entry['status'] == 429 for entry in hostile.requests()), 'the rate limit was never reached'
