# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Integration tests of invoca.messaging.sms_phone_number_info against the simulator.

The simulator's request log is compared request by request with what the module must send: the path, the raw
query string (as it travels on the wire), and one request per page, no more.
"""

from __future__ import annotations

import pytest

LIST_PATH = '/sms/2022-08-01/phone_numbers'
# The simulator's clock moves one millisecond per write, so the numbers seeded are created one millisecond apart,
# in order: created_since(sim) is when NETWORK[14] was created.
NETWORK = ['+1555000%04d' % i for i in range(20)]
DELETED = '+15550009999'
UNKNOWN = '+15559999999'
KNOWN = NETWORK[3]
KNOWN_SPELLED = '+1 (555) 000-0003'
SINCE_NEWEST_FIRST = list(reversed(NETWORK[14:]))
# The API filters to records created today unless created_at is filtered (see the 2022-08-01 overview), so a
# request without a created_at filter of its own must carry a lower bound that covers all time.
ALL_TIME = 'created_at[gte]=1970-01-01T00:00:00.000Z&'
LIST_FIELDS = {'phone_number', 'created_at', 'deleted_at', 'carrier_interface', 'enabled_at'}


def created_since(sim):
    """When NETWORK[14] was created, as the simulator wrote it."""
    return next(record['created_at'] for record in sim.state() if record['phone_number'] == NETWORK[14])


def member_path(number):
    return '%s/%s' % (LIST_PATH, number.replace('+', '%2B'))


def numbers_of(result):
    return [record['phone_number'] for record in result['phone_numbers']]


def raw_query(entry):
    """The query string as received, with brackets written literally.

    The client writes field[op], but urllib3 percent-encodes "[" and "]" in a query (RFC 3986 reserves them), and
    the API reads both forms alike. Every other character is compared as it travelled, so a "+" sent unencoded
    (which the API would read as a space) still fails the comparison.
    """
    return entry['query'].replace('%5B', '[').replace('%5D', ']')


def wire(log):
    return [(entry['method'], entry['path'], raw_query(entry)) for entry in log]


def api_record(sim, number):
    """The record as GET /phone_numbers/{n} of 2022-08-01 returns it: the state without the internal id."""
    record = dict(next(r for r in sim.state() if r['phone_number'] == number))
    del record['id']
    return record


# -- every way to read, on the wire ----------------------------------------------------------------------------

READS = [
    # (task, path, raw query)
    ('Get a number written with separators', member_path(KNOWN), ''),
    ('Get a number the API does not know', member_path(UNKNOWN), ''),
    ('Get a soft-deleted number', member_path(DELETED), ''),
    ('Get a soft-deleted number, soft-deleted ones included', member_path(DELETED), ''),
    ('Count the active numbers', LIST_PATH + '/count', ALL_TIME + 'deleted_at[empty]'),
    ('List with the default options', LIST_PATH, ALL_TIME + 'deleted_at[empty]&limit=500'),
    ('List soft-deleted numbers too', LIST_PATH, ALL_TIME + 'limit=500'),
    ('List the numbers created since a date, newest first', LIST_PATH,
     'created_at[gte]={since}&deleted_at[empty]&sort=created_at:desc&limit=500'),
    ('List one number by filter', LIST_PATH, ALL_TIME + 'phone_number[eq]=%2B15550000003&deleted_at[empty]&limit=500'),
]


@pytest.mark.parametrize('check', [False, True], ids=['normal', 'check_mode'])
def test_reads_send_the_documented_queries_and_return_what_matches(ansible, sim, check):
    sim.reset(phone_numbers=NETWORK, deleted=[DELETED])
    state_before = sim.state()
    run = ansible.playbook('info_read_every_way.yml', {
        'known_number_spelled': KNOWN_SPELLED,
        'unknown_number': UNKNOWN,
        'deleted_number': DELETED,
        'created_since': created_since(sim),
    }, check=check, expect_rc=0)

    # One request per task, exactly as documented, and nothing else: no write, no extra page.
    assert wire(sim.log()) == [('GET', path, query.format(since=created_since(sim))) for _task, path, query in READS]
    assert sim.state() == state_before
    results = dict((task, run.task(task)) for task, _path, _query in READS)
    assert all(result['changed'] is False for result in results.values())

    one = results['Get a number written with separators']
    assert one['phone_numbers'] == [api_record(sim, KNOWN)]
    assert one['count'] == 1

    missing = results['Get a number the API does not know']
    assert (missing['phone_numbers'], missing['count']) == ([], 0)

    assert results['Get a soft-deleted number']['phone_numbers'] == []
    with_deleted = results['Get a soft-deleted number, soft-deleted ones included']['phone_numbers']
    assert with_deleted == [api_record(sim, DELETED)]
    assert with_deleted[0]['deleted_at'] is not None

    count = results['Count the active numbers']
    assert (count['count'], count['phone_numbers']) == (len(NETWORK), [])

    default = results['List with the default options']
    assert numbers_of(default) == NETWORK
    assert default['count'] == len(NETWORK)
    assert all(set(record) == LIST_FIELDS for record in default['phone_numbers'])

    assert numbers_of(results['List soft-deleted numbers too']) == NETWORK + [DELETED]
    assert numbers_of(results['List the numbers created since a date, newest first']) == SINCE_NEWEST_FIRST
    assert numbers_of(results['List one number by filter']) == [KNOWN]


def test_count_without_a_count_endpoint_reads_the_total_of_a_one_record_page(ansible, sim):
    sim.reset(phone_numbers=NETWORK, deleted=[DELETED])
    sim.config(count_endpoint=False)
    result = ansible.module('sms_phone_number_info', {'count_only': True,
                                                      'filters': {'created_at': {'gte': created_since(sim)}}},
                            expect_rc=0).result

    assert result['count'] == len(SINCE_NEWEST_FIRST)
    assert result['phone_numbers'] == []
    assert result['changed'] is False
    query = 'created_at[gte]=%s&deleted_at[empty]' % created_since(sim)
    assert [(entry['path'], raw_query(entry), entry['status']) for entry in sim.log()] == [
        (LIST_PATH + '/count', query, 422),
        (LIST_PATH, query + '&limit=1', 200),
    ]


# -- pagination ------------------------------------------------------------------------------------------------

DIALECTS = {
    'page_numbers_in_pagination': ({'pagination': 'page', 'pagination_key': 'pagination'}, 'pagination'),
    'page_numbers_in_page': ({'pagination': 'page', 'pagination_key': 'page'}, 'page'),
    'cursor': ({'pagination': 'cursor'}, 'pagination'),
}


def server_walk(sim, query, pager_key):
    """The queries that follow the server's own next / next_cursor from the first page to the last."""
    queries = [query]
    while True:
        body = sim.request('GET', '%s?%s' % (LIST_PATH, queries[-1])).json()
        assert set(body) == {'phone_numbers', pager_key}, 'the simulator does not speak the dialect under test'
        pager = body[pager_key]
        if pager.get('next_cursor'):
            queries.append('%s&cursor=%s' % (query, pager['next_cursor']))
        elif pager.get('next'):
            queries.append('%s&page=%s' % (query, pager['next']))
        else:
            return queries


@pytest.mark.parametrize('dialect', sorted(DIALECTS))
def test_listing_follows_every_page_once_and_stops_at_max_records(ansible, sim, dialect):
    settings, pager_key = DIALECTS[dialect]
    sim.reset(phone_numbers=NETWORK)
    sim.config(**settings)
    run = ansible.playbook('info_list_page_by_page.yml', {'page_size': 7, 'max_records': 10}, expect_rc=0)

    every_page = run.task('List every page')
    assert numbers_of(every_page) == NETWORK
    assert every_page['count'] == len(NETWORK)
    capped = run.task('List up to a number of records')
    assert numbers_of(capped) == NETWORK[:10]
    assert capped['count'] == 10

    sent = [raw_query(entry) for entry in sim.log()]
    assert {entry['path'] for entry in sim.log()} == {LIST_PATH}
    expected = server_walk(sim, ALL_TIME + 'deleted_at[empty]&limit=7', pager_key)
    assert len(expected) == 3
    # Ten records in two requests, as with pages of seven, but pages of five: no page asks for more than is wanted,
    # and the third page is never asked for.
    capped = server_walk(sim, ALL_TIME + 'deleted_at[empty]&limit=5', pager_key)
    # The pages after the first are read concurrently, so they may arrive in any order: each exactly once.
    assert sent[0] == expected[0] and sorted(sent[1:len(expected)]) == sorted(expected[1:])
    assert sent[len(expected):] == capped[:2]


@pytest.mark.parametrize('concurrency, at_least, at_most', [(None, 9, 16), (3, 2, 3), (1, 1, 1)],
                         ids=['default', 'three', 'one'])
def test_listing_reads_pages_at_once_up_to_concurrency(ansible, sim, concurrency, at_least, at_most):
    network = ['+1555001%04d' % i for i in range(40)]
    sim.reset(phone_numbers=network)
    # Answers slow enough that the pages asked for at once are answered at once.
    sim.config(latency_ms=150)
    args = {'limit': 2} if concurrency is None else {'limit': 2, 'concurrency': concurrency}
    result = ansible.module('sms_phone_number_info', args, expect_rc=0).result

    assert numbers_of(result) == network
    assert len(sim.log()) == 20
    # The default reads more than the 8 pages at once of earlier releases, and never more than 16.
    assert at_least <= sim.peak_in_flight() <= at_most


def test_listing_stops_after_the_page_that_reaches_max_records(ansible, sim):
    sim.reset(phone_numbers=NETWORK)
    result = ansible.module('sms_phone_number_info', {'limit': 7, 'max_records': 7}, expect_rc=0).result

    assert numbers_of(result) == NETWORK[:7]
    assert [raw_query(entry) for entry in sim.log()] == [ALL_TIME + 'deleted_at[empty]&limit=7']


# -- unquoted numbers and misspelt options, named before any request ------------------------------------------------

@pytest.mark.parametrize('task', ['phone_number: +18885550100', 'filters: {phone_number: {eq: +18885550100}}'],
                         ids=['phone_number', 'filter'])
def test_an_unquoted_number_in_a_playbook_is_explained(ansible, sim, task):
    run = ansible.task_as_written('sms_phone_number_info', task)
    assert run.failed
    assert 'YAML read this as a number; quote it' in run.result['msg'] and '"+18885550100"' in run.result['msg']
    assert 'phone_numbers' not in run.result and 'count' not in run.result
    assert sim.log() == []


@pytest.mark.parametrize('args, name', [({'phone_nubmer': KNOWN}, 'phone_nubmer'), ({'max_record': 3}, 'max_record')])
def test_a_misspelt_option_is_named(ansible, sim, args, name):
    run = ansible.module('sms_phone_number_info', args)
    assert run.failed
    assert name in run.result['msg'] and 'Unsupported parameters' in run.result['msg']
    assert sim.log() == []
