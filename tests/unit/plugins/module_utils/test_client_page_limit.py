# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""iter_phone_numbers with a callable limit: no page asks for more records than are still wanted."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.invoca.messaging.tests.unit.fakes import Harness, response


def network(size):
    return ['+1555%07d' % i for i in range(size)]


def pagy(numbers):
    """A handler answering like pagy: page N of size L holds records (N-1)*L to N*L."""
    def answer(sent):
        params = dict(sent.params)
        size, page = int(params['limit']), int(params.get('page', 1))
        chunk = numbers[(page - 1) * size:page * size]
        more = page * size < len(numbers)
        return response(200, {'phone_numbers': [{'phone_number': n, 'deleted_at': None} for n in chunk],
                              'pagination': {'page': page, 'next': page + 1 if more else None}})
    return answer


def walk(harness, wanted_total):
    taken = []

    def still_wanted():
        return min(500, wanted_total - len(taken))

    for record in harness.client.iter_phone_numbers((), still_wanted):
        taken.append(record['phone_number'])
        if len(taken) == wanted_total:
            break
    return taken


@pytest.mark.parametrize('total, wanted, limits', [
    (700, 600, [(500, None), (100, 6)]),    # 100 records from offset 500: page 6 of 100
    (1000, 3, [(3, None)]),
    (1000, 501, [(500, None), (1, 501)]),
    # 200 records cannot start at offset 500 with pages of 200: one page of 500 reads 300 too many, but in one
    # request instead of several small ones.
    (700, 700, [(500, None), (500, 2)]),
])
def test_numbered_pages_shrink_to_the_records_still_wanted_where_the_offset_allows(total, wanted, limits):
    numbers = network(total)
    harness = Harness(handler=pagy(numbers))
    assert walk(harness, wanted) == numbers[:wanted]
    assert [(int(dict(s.params)['limit']), int(dict(s.params)['page']) if 'page' in dict(s.params) else None)
            for s in harness.sent] == limits


def test_a_limit_below_one_stops_the_walk_without_a_request():
    harness = Harness(handler=pagy(network(10)))
    assert list(harness.client.iter_phone_numbers((), lambda: 0)) == []
    assert harness.sent == []


def test_a_cursor_walk_asks_for_the_records_still_wanted():
    def answer(sent):
        params = dict(sent.params)
        start = int(params.get('cursor', 0))
        size = int(params['limit'])
        return response(200, {'phone_numbers': [{'phone_number': n} for n in network(1000)[start:start + size]],
                              'next_cursor': str(start + size)})
    harness = Harness(handler=answer)
    assert len(walk(harness, 620)) == 620
    assert [dict(s.params)['limit'] for s in harness.sent] == ['500', '120']
