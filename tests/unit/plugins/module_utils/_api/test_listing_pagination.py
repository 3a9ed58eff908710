# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_api/listing.py: every pagination form it follows (page numbers, next and next_url,
cursors, the 2022-05-01 page object), and a listing that repeats or stalls stopping with an error."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.tests.unit import api_examples as examples
from ansible_collections.invoca.messaging.tests.unit.fakes import Harness, response


# Every listing and count carries an all-time created_at bound (the overview says lists default to today).
ALL_TIME = 'created_at[gte]=1970-01-01T00:00:00.000Z&'


def number(i):
    return '+1888555%04d' % i


def records(*indexes):
    return [{'phone_number': number(i), 'created_at': '2022-01-31T23:49:0%dZ' % (i % 10), 'deleted_at': None}
            for i in indexes]


def numbers(recs):
    return [r['phone_number'] for r in recs]


def pagy(page, pages, count=None, items=5):
    """A 2022-08-01-style pagination object as pagy writes it: the current page in ``series`` is a string."""
    nxt = page + 1 if page < pages else None
    return {
        'prev_url': '/sms/2022-08-01/phone_numbers?page=%s' % (page - 1 if page > 1 else ''),
        'series': [str(p) if p == page else p for p in range(1, pages + 1)],
        'scaffold_url': '/sms/2022-08-01/phone_numbers?page=__pagy_page__',
        'pages': pages, 'count': count if count is not None else pages * items, 'last': pages,
        'items': items, 'page': page, 'prev': page - 1 if page > 1 else None,
        'next': nxt,
        'next_url': '/sms/2022-08-01/phone_numbers?page=%s' % (nxt if nxt else ''),
        'page_url': '/sms/2022-08-01/phone_numbers?page=%d' % page,
    }


def walk(harness, query=(), **kwargs):
    return list(harness.client.iter_phone_numbers(query, **kwargs))


# -- 2022-08-01 "pagination" ------------------------------------------------------------------------------------

def test_published_first_page_then_last_page_are_both_read():
    first = copy.deepcopy(examples.LIST_2022_08_01_FIRST_PAGE)
    last = {'phone_numbers': records(7, 8), 'pagination': dict(examples.PAGINATION_2022_08_01_LAST_PAGE)}
    harness = Harness([response(200, first), response(200, last)])
    found = walk(harness)
    # The published example lists one number five times: every record is yielded (identical ones once), since
    # one may be active beside soft-deleted ones and only the reader can tell which counts.
    distinct = len(set(json.dumps(r, sort_keys=True) for r in first['phone_numbers']))
    assert numbers(found) == ['+18885550100'] * distinct + [number(7), number(8)]
    assert [s.query for s in harness.sent] == [ALL_TIME + 'limit=500', ALL_TIME + 'limit=500&page=2']


def test_pages_are_followed_to_the_last_one_in_order():
    pages = [
        {'phone_numbers': records(1, 2), 'pagination': pagy(1, 3, count=5, items=2)},
        {'phone_numbers': records(3, 4), 'pagination': pagy(2, 3, count=5, items=2)},
        {'phone_numbers': records(5), 'pagination': pagy(3, 3, count=5, items=2)},
    ]
    harness = Harness([response(200, p) for p in pages])
    assert numbers(walk(harness)) == [number(i) for i in range(1, 6)]
    assert [s.query for s in harness.sent] == [ALL_TIME + q for q in ('limit=500', 'limit=500&page=2', 'limit=500&page=3')]


def test_next_as_a_numeric_string_is_followed():
    first = {'phone_numbers': records(1), 'pagination': dict(pagy(1, 2, items=1), next='2')}
    last = {'phone_numbers': records(2), 'pagination': pagy(2, 2, items=1)}
    harness = Harness([response(200, first), response(200, last)])
    assert numbers(walk(harness)) == [number(1), number(2)]
    assert harness.sent[1].params[-1] == ('page', '2')


def test_last_page_with_next_null_and_next_url_ending_in_page_equals_stops():
    body = {'phone_numbers': records(1, 2), 'pagination': dict(examples.PAGINATION_2022_08_01_LAST_PAGE, count=2)}
    harness = Harness([response(200, body)])
    assert numbers(walk(harness)) == [number(1), number(2)]
    assert len(harness.sent) == 1


def test_next_url_alone_is_followed():
    first = {'phone_numbers': records(1), 'pagination': {'next_url': '/sms/2022-08-01/phone_numbers?limit=500&page=2'}}
    last = {'phone_numbers': records(2), 'pagination': {'next_url': '/sms/2022-08-01/phone_numbers?limit=500&page='}}
    harness = Harness([response(200, first), response(200, last)])
    assert numbers(walk(harness)) == [number(1), number(2)]
    assert harness.sent[1].query == ALL_TIME + 'limit=500&page=2'


def test_bool_next_is_not_a_page_number_and_stops_the_listing_with_an_error():
    # Stopping silently would pass a possibly short list off as the whole network.
    body = {'phone_numbers': records(1), 'pagination': {'next': True, 'next_url': '/x?page='}}
    harness = Harness([response(200, body)])
    with pytest.raises(ApiError) as caught:
        walk(harness)
    assert caught.value.kind == 'pagination'
    assert 'next page True is not a page number' in str(caught.value)
    assert len(harness.sent) == 1


# -- 2022-05-01 "page" ------------------------------------------------------------------------------------------

def test_published_2022_05_01_page_object_is_a_single_page():
    harness = Harness([response(200, examples.LIST_2022_05_01_SINGLE_PAGE)], api_version='2022-05-01')
    found = walk(harness)
    assert numbers(found) == ['+14072086327', '+16197574105', '+13173471318', '+13129161109', '+19252191570']
    assert found[0]['virtual_line_id'] == 261
    assert len(harness.sent) == 1
    assert harness.sent[0].path == '/sms/2022-05-01/phone_numbers'


def test_2022_05_01_page_object_with_a_next_page_is_followed():
    first = copy.deepcopy(examples.LIST_2022_05_01_SINGLE_PAGE)
    first['page'].update(next=2, pages=2, count=6, next_url=first['page']['next_url'] + '2')
    last = {'phone_numbers': records(1), 'page': dict(examples.LIST_2022_05_01_SINGLE_PAGE['page'], page=2, count=6)}
    harness = Harness([response(200, first), response(200, last)], api_version='2022-05-01')
    assert len(walk(harness)) == 6
    assert harness.sent[1].query == ALL_TIME + 'limit=500&page=2'


# -- cursors ----------------------------------------------------------------------------------------------------

def test_cursor_in_the_pagination_object_is_sent_back_as_cursor():
    first = {'phone_numbers': records(1), 'pagination': {'next_cursor': 'abc+/=1'}}
    last = {'phone_numbers': records(2), 'pagination': {'next_cursor': None}}
    harness = Harness([response(200, first), response(200, last)])
    assert numbers(walk(harness)) == [number(1), number(2)]
    assert harness.sent[1].query == ALL_TIME + 'limit=500&cursor=abc%2B%2F%3D1'
    assert harness.sent[1].params[-1] == ('cursor', 'abc+/=1')


def test_cursor_at_the_top_level_is_followed():
    first = {'phone_numbers': records(1), 'next_cursor': 'c2'}
    middle = {'phone_numbers': records(2), 'next_cursor': 'c3'}
    last = {'phone_numbers': records(3), 'next_cursor': ''}
    harness = Harness([response(200, first), response(200, middle), response(200, last)])
    assert numbers(walk(harness)) == [number(1), number(2), number(3)]
    assert [s.params[-1] for s in harness.sent[1:]] == [('cursor', 'c2'), ('cursor', 'c3')]


def test_cursor_in_next_url_is_followed():
    first = {'phone_numbers': records(1), 'pagination': {'next_url': '/sms/2022-08-01/phone_numbers?cursor=xyz'}}
    last = {'phone_numbers': records(2)}
    harness = Harness([response(200, first), response(200, last)])
    assert numbers(walk(harness)) == [number(1), number(2)]
    assert harness.sent[1].params[-1] == ('cursor', 'xyz')


# -- loops, duplicates and limits -------------------------------------------------------------------------------

def test_server_that_ignores_the_page_parameter_stops_with_a_pagination_error():
    same = {'phone_numbers': records(1, 2), 'pagination': pagy(1, 3, items=2)}
    harness = Harness(handler=lambda sent: response(200, same))
    with pytest.raises(ApiError) as caught:
        walk(harness)
    assert caught.value.kind == 'pagination'
    assert len(harness.sent) == 2


def test_next_pointing_back_at_page_one_stops_with_a_pagination_error():
    body = {'phone_numbers': records(1), 'pagination': {'next': 1}}
    harness = Harness(handler=lambda sent: response(200, body))
    with pytest.raises(ApiError) as caught:
        walk(harness)
    assert caught.value.kind == 'pagination'
    assert len(harness.sent) == 1


def test_same_next_token_twice_stops_with_a_pagination_error():
    pages = [
        {'phone_numbers': records(1), 'pagination': {'next': 2}},
        {'phone_numbers': records(2), 'pagination': {'next': 3}},
        {'phone_numbers': records(3), 'pagination': {'next': 2}},
    ]
    harness = Harness([response(200, p) for p in pages])
    with pytest.raises(ApiError) as caught:
        walk(harness)
    assert caught.value.kind == 'pagination'
    assert 'page=2' in str(caught.value)
    assert len(harness.sent) == 3


def test_repeating_cursor_stops_with_a_pagination_error():
    harness = Harness(handler=lambda sent: response(200, {'phone_numbers': records(len(harness.sent)),
                                                          'next_cursor': 'same'}))
    with pytest.raises(ApiError) as caught:
        walk(harness)
    assert caught.value.kind == 'pagination'
    assert len(harness.sent) == 2


def test_page_without_new_records_but_with_a_next_page_is_an_error():
    pages = [
        {'phone_numbers': records(1, 2), 'pagination': {'next': 2}},
        {'phone_numbers': records(2, 1), 'pagination': {'next': 3}},
    ]
    harness = Harness([response(200, p) for p in pages])
    with pytest.raises(ApiError) as caught:
        walk(harness)
    assert caught.value.kind == 'pagination'


def test_empty_page_with_a_next_page_is_an_error():
    harness = Harness([response(200, {'phone_numbers': [], 'pagination': {'next': 2}})])
    with pytest.raises(ApiError) as caught:
        walk(harness)
    assert caught.value.kind == 'pagination'


def test_records_repeated_across_pages_are_yielded_once():
    pages = [
        {'phone_numbers': records(1, 2), 'pagination': {'next': 2}},
        {'phone_numbers': records(2, 3), 'pagination': {'next': None}},
    ]
    harness = Harness([response(200, p) for p in pages])
    assert numbers(walk(harness)) == [number(1), number(2), number(3)]


def test_limit_and_query_are_sent_on_every_page():
    pages = [
        {'phone_numbers': records(1), 'pagination': {'next': 2}},
        {'phone_numbers': records(2), 'pagination': {'next': 3}},
        {'phone_numbers': records(3), 'pagination': {'next': None}},
    ]
    harness = Harness([response(200, p) for p in pages])
    walk(harness, [('created_at[gte]', '2022-11-01'), ('deleted_at[empty]', None), ('sort', 'created_at:desc')],
         limit=50)
    assert [s.query for s in harness.sent] == [
        'created_at[gte]=2022-11-01&deleted_at[empty]&sort=created_at:desc&limit=50',
        'created_at[gte]=2022-11-01&deleted_at[empty]&sort=created_at:desc&limit=50&page=2',
        'created_at[gte]=2022-11-01&deleted_at[empty]&sort=created_at:desc&limit=50&page=3',
    ]


def test_default_limit_is_the_largest_page():
    harness = Harness([response(200, {'phone_numbers': []})])
    walk(harness)
    assert harness.sent[0].params == [('created_at[gte]', '1970-01-01T00:00:00.000Z'), ('limit', '500')]


def test_answer_without_a_pagination_object_is_a_single_page():
    harness = Harness([response(200, {'phone_numbers': records(1, 2, 3)})])
    assert numbers(walk(harness)) == [number(1), number(2), number(3)]
    assert len(harness.sent) == 1


def test_walk_is_lazy_no_page_is_read_before_it_is_needed():
    pages = [
        {'phone_numbers': records(1, 2), 'pagination': {'next': 2}},
        {'phone_numbers': records(3, 4), 'pagination': {'next': None}},
    ]
    harness = Harness([response(200, p) for p in pages])
    walker = harness.client.iter_phone_numbers()
    assert harness.sent == []
    next(walker)
    next(walker)
    assert len(harness.sent) == 1


# -- listing errors ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize('body', [
    {'phone_numbers': None},
    {'phone_numbers': {'phone_number': '+18885550100'}},
    {'phone_numbers': ['+18885550100']},
    {'phone_numbers': [{'number': '+18885550100'}]},
    {'messages': []},
    [],
])
def test_listing_of_an_unexpected_shape_is_malformed(body):
    harness = Harness([response(200, body)])
    with pytest.raises(ApiError) as caught:
        walk(harness)
    assert caught.value.kind == 'malformed'
    assert 'answered HTTP 200' in str(caught.value)


def test_listing_error_status_raises():
    harness = Harness([response(200, {'phone_numbers': records(1), 'pagination': {'next': 2}}),
                       response(500, {'message': 'divided by 0'})], max_retries=0)
    walker = harness.client.iter_phone_numbers()
    assert numbers([next(walker)]) == [number(1)]
    with pytest.raises(ApiError) as caught:
        next(walker)
    assert caught.value.status == 500


@pytest.mark.parametrize('pager', [
    {'next': '²'},                                                      # a digit for str.isdigit, not for int()
    {'next': None, 'next_url': '/sms/2022-08-01/phone_numbers?page=²'},
    {'next': None, 'next_url': 'http://[::1?page=2'},                   # urlsplit: "Invalid IPv6 URL"
])
def test_unreadable_next_page_is_an_api_error_not_a_crash(pager):
    harness = Harness(handler=lambda sent: response(200, {'phone_numbers': records(len(harness.sent)),
                                                          'pagination': pager}))
    try:
        found = walk(harness)
    except ApiError:
        return
    assert len(found) >= 1
