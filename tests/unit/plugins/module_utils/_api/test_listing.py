# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Transport.listing (the Listing page walker): bounded, and never a silent short read."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api import listing as listing_module
from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.tests.unit.fakes import TOKEN, Harness, response

PATH = '/sms/2022-08-01/things'


def items(start, stop):
    return [{'id': i} for i in range(start, stop)]


def page_of(sent):
    return int(dict(sent.params).get('page', '1'))


def limit_of(sent):
    return int(dict(sent.params)['limit'])


def serve(pages):
    """A handler answering page N (1-based) with pages[N-1], and an empty page past the end."""
    def handler(sent):
        number = page_of(sent)
        if number > len(pages):
            return response(200, {'things': [], 'pagination': {'next': None}})
        return response(200, pages[number - 1])
    return handler


def walk(harness, **kwargs):
    listing = harness.transport.listing(PATH, 'things', **kwargs)
    return listing, list(listing)


def test_more_records_than_the_announced_count_stops_with_an_error():
    def handler(sent):
        number = page_of(sent)
        return response(200, {'things': items(2 * number, 2 * number + 2), 'pagination': {'count': 2, 'next': number + 1}})

    harness = Harness(handler=handler)
    with pytest.raises(ApiError) as caught:
        walk(harness, page_size=2)
    assert caught.value.kind == 'pagination'
    # Stopped by the first page that goes past the announced count.
    assert 'announced 2 records but has sent 4' in str(caught.value)
    assert len(harness.sent) == 2


def test_more_pages_than_announced_stops_with_an_error():
    def handler(sent):
        number = page_of(sent)
        return response(200, {'things': items(number, number + 1), 'pagination': {'pages': 2, 'next': number + 1}})

    harness = Harness(handler=handler)
    with pytest.raises(ApiError) as caught:
        walk(harness, page_size=1)
    assert caught.value.kind == 'pagination'
    assert 'announced 2 pages but kept sending more' in str(caught.value)
    assert len(harness.sent) <= 4


def test_an_endless_stream_of_new_pages_stops_at_the_hard_ceiling(monkeypatch):
    monkeypatch.setattr(listing_module, 'MAX_PAGES', 25)

    def handler(sent):
        number = page_of(sent)
        return response(200, {'things': items(number, number + 1), 'pagination': {'next': number + 1}})

    harness = Harness(handler=handler)
    with pytest.raises(ApiError) as caught:
        walk(harness, page_size=1)
    assert caught.value.kind == 'pagination'
    assert 'more than any real network holds' in str(caught.value)
    assert len(harness.sent) == 26


def test_a_listing_that_ends_short_of_its_count_asks_the_next_page_then_fails():
    harness = Harness(handler=serve([{'things': items(0, 3), 'pagination': {'count': 5, 'next': None}}]))
    with pytest.raises(ApiError) as caught:
        walk(harness)
    assert caught.value.kind == 'pagination'
    assert 'ended with 3 of the 5 records it announced' in str(caught.value)
    assert [page_of(s) for s in harness.sent] == [1, 2]


def test_a_short_listing_is_completed_by_asking_the_remaining_pages_by_number():
    harness = Harness(handler=serve([{'things': items(0, 3), 'pagination': {'count': 5, 'next': None}},
                                     {'things': items(3, 5), 'pagination': {'count': 5, 'next': None}}]))
    listing, found = walk(harness, page_size=3)
    assert found == items(0, 5)
    assert [page_of(s) for s in harness.sent] == [1, 2]
    assert listing.count == 5


def test_a_full_page_without_next_or_count_is_followed_by_the_next_page_by_number():
    harness = Harness(handler=serve([{'things': items(0, 2), 'pagination': {}},
                                     {'things': items(2, 3), 'pagination': {}}]))
    dummy, found = walk(harness, page_size=2)
    assert found == items(0, 3)
    assert [page_of(s) for s in harness.sent] == [1, 2]


def test_a_short_last_page_without_next_and_without_count_ends_the_listing():
    harness = Harness(handler=serve([{'things': items(0, 1), 'pagination': {}}]))
    dummy, found = walk(harness, page_size=2)
    assert found == items(0, 1)
    assert len(harness.sent) == 1


@pytest.mark.parametrize('nxt', ['two', '-1', 0, -3, 1.5, [2], {'page': 2}, True])
def test_a_next_that_is_not_a_page_number_fails(nxt):
    harness = Harness(handler=serve([{'things': items(0, 2), 'pagination': {'next': nxt}}]))
    with pytest.raises(ApiError) as caught:
        walk(harness, page_size=2)
    assert caught.value.kind == 'pagination'
    assert 'is not a page number' in str(caught.value)
    assert len(harness.sent) == 1


def test_the_same_page_sent_again_stops_instead_of_looping():
    def handler(sent):
        return response(200, {'things': items(0, 2), 'pagination': {'next': 2}})

    harness = Harness(handler=handler)
    with pytest.raises(ApiError) as caught:
        walk(harness, page_size=2)
    assert caught.value.kind == 'pagination'
    assert len(harness.sent) == 2


def test_max_items_keeps_one_page_size_follows_the_servers_pages_and_reports_truncation():
    def handler(sent):
        limit = limit_of(sent)
        first = (page_of(sent) - 1) * limit
        return response(200, {'things': items(first, first + limit),
                              'pagination': {'count': 100, 'next': page_of(sent) + 1}})

    harness = Harness(handler=handler)
    listing, found = walk(harness, page_size=2, max_items=5)
    assert found == items(0, 5)
    # One page size for the whole walk (a new size would renumber the server's pages): at most one page more
    # than wanted is read.
    assert [limit_of(s) for s in harness.sent] == [2, 2, 2]
    assert [page_of(s) for s in harness.sent] == [1, 2, 3]
    assert listing.truncated is True


def test_max_items_on_a_server_that_caps_the_page_size_follows_its_pages():
    # Asked for 5 a page, the server serves 2 and numbers its pages by the 2 it serves.
    def handler(sent):
        first = (page_of(sent) - 1) * 2
        return response(200, {'things': items(first, first + 2), 'pagination': {'count': 9, 'next': page_of(sent) + 1}})

    harness = Harness(handler=handler)
    listing, found = walk(harness, max_items=5)
    assert found == items(0, 5)
    assert [(limit_of(s), page_of(s)) for s in harness.sent] == [(5, 1), (5, 2), (5, 3)]
    assert listing.truncated is True


def test_max_items_equal_to_the_whole_listing_is_not_truncated():
    harness = Harness(handler=serve([{'things': items(0, 3), 'pagination': {'count': 3, 'next': None}}]))
    listing, found = walk(harness, max_items=3)
    assert found == items(0, 3)
    assert listing.truncated is False


def test_records_repeated_in_place_of_others_make_a_short_listing():
    # Four records announced, the third sent twice instead of the fourth: three records, not four.
    harness = Harness(handler=serve([{'things': items(0, 2), 'pagination': {'count': 4, 'next': 2}},
                                     {'things': items(2, 3) * 2, 'pagination': {'count': 4, 'next': None}}]))
    with pytest.raises(ApiError) as caught:
        walk(harness, page_size=2)
    assert caught.value.kind == 'pagination'
    assert 'ended with 3 of the 4 records it announced' in str(caught.value)


def test_a_next_page_that_skips_pages_fails():
    harness = Harness(handler=serve([{'things': items(0, 2), 'pagination': {'next': 3}},
                                     {'things': items(2, 4), 'pagination': {'next': 3}},
                                     {'things': items(4, 5), 'pagination': {'next': None}}]))
    with pytest.raises(ApiError) as caught:
        walk(harness, page_size=2)
    assert caught.value.kind == 'pagination'
    assert 'from page 1 to page 3' in str(caught.value)
    assert len(harness.sent) == 1


def cursor_pages(pages):
    """A handler serving a cursor listing: pages[i] answers the i-th cursor (the first page has none)."""
    def handler(sent):
        cursor = dict(sent.params).get('cursor')
        return response(200, pages[0 if cursor is None else int(cursor)])
    return handler


def test_a_cursor_listing_ending_on_a_full_page_without_a_next_cursor_or_count_fails():
    harness = Harness(handler=cursor_pages([{'things': items(0, 2), 'pagination': {'next_cursor': '1'}},
                                            {'things': items(2, 4), 'pagination': {}}]))
    with pytest.raises(ApiError) as caught:
        walk(harness, page_size=2)
    assert caught.value.kind == 'pagination'
    assert 'neither a next cursor nor a count' in str(caught.value)


@pytest.mark.parametrize('last', [{'next_cursor': None}, {'next_cursor': ''}, {'count': 4}])
def test_a_cursor_listing_that_says_it_ended_on_a_full_page_ends(last):
    harness = Harness(handler=cursor_pages([{'things': items(0, 2), 'pagination': {'next_cursor': '1'}},
                                            {'things': items(2, 4), 'pagination': last}]))
    dummy, found = walk(harness, page_size=2)
    assert found == items(0, 4)
    assert len(harness.sent) == 2


def test_a_listing_past_the_hard_ceiling_of_records_stops(monkeypatch):
    monkeypatch.setattr(listing_module, 'MAX_ITEMS', 50)

    def handler(sent):
        number = page_of(sent)
        return response(200, {'things': items(10 * number, 10 * number + 10), 'pagination': {'next': number + 1}})

    harness = Harness(handler=handler)
    with pytest.raises(ApiError) as caught:
        walk(harness, page_size=10)
    assert 'passed 50 records' in str(caught.value)
    assert len(harness.sent) == 6


def test_the_hard_ceiling_of_records_is_far_below_what_exhausts_a_machine():
    # A 1 KiB record kept for each of MAX_ITEMS records stays within a few hundred MiB of an AWX job's memory.
    assert listing_module.MAX_ITEMS * 1024 <= 512 * 1024 * 1024


def test_a_failure_quoting_the_pager_never_shows_the_token():
    harness = Harness(handler=serve([{'things': items(0, 2), 'pagination': {'next': 'page-%s' % TOKEN}}]))
    with pytest.raises(ApiError) as caught:
        walk(harness, page_size=2)
    assert 'is not a page number' in str(caught.value)
    assert TOKEN not in str(caught.value) and TOKEN[:10] not in str(caught.value)
