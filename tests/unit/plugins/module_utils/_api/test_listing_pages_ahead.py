# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Listing with concurrency > 1 (_PagesAhead): the pages after the first of a page-number listing are asked for up
to ``concurrency`` at once, and read in order with every check of a one-by-one read.

No timing is asserted: overlap is proved with a barrier and a request counter, order by releasing pages one by one.
The waits below are liveness bounds (a broken implementation fails instead of hanging), never measurements.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import threading

import pytest

from ansible_collections.invoca.messaging.tests.unit.fakes import FakeClock, Harness, response

PATH = '/sms/2022-08-01/things'
LIVENESS = 10.0


def items(start, stop):
    return [{'id': i} for i in range(start, stop)]


def page_of(sent):
    return int(dict(sent.params).get('page', '1'))


def body(number, size, total, **pager):
    """Page ``number`` of a pagy listing of ``total`` records, ``size`` a page; ``pager`` overrides its fields."""
    pages = -(-total // size)
    pagination = {'count': total, 'pages': pages, 'page': number, 'next': number + 1 if number < pages else None}
    pagination.update(pager)
    return {'things': items((number - 1) * size, min(number * size, total)), 'pagination': pagination}


class Server:
    """Answers page N with ``pages.get(N)`` (a body, a Response, or a callable of the Sent), else the pagy page N.

    Counts the requests in flight with a lock (the most at once in ``most``); ``gate(sent)``, when set, runs while the
    request is in flight, outside the fake session's lock, so requests can really overlap.
    """

    def __init__(self, size=2, total=20, pages=None, gate=None):
        self.size = size
        self.total = total
        self.pages = dict(pages or {})
        self.gate = gate
        self.lock = threading.Lock()
        self.in_flight = self.most = 0

    def handler(self, sent):
        return self._answer

    def _answer(self, sent):
        with self.lock:
            self.in_flight += 1
            self.most = max(self.most, self.in_flight)
        try:
            if self.gate is not None:
                self.gate(sent)
            number = page_of(sent)
            item = self.pages.get(number)
            if callable(item):
                item = item(sent)
            if item is None:
                item = body(number, self.size, self.total)
            return item if not isinstance(item, dict) else response(200, item)
        finally:
            with self.lock:
                self.in_flight -= 1


def harness_for(server, concurrency, **kwargs):
    return Harness(handler=server.handler, pool_size=concurrency, **kwargs)


def walk(harness, **kwargs):
    kwargs.setdefault('page_size', 2)
    listing = harness.transport.listing(PATH, 'things', query=[('deleted_at[empty]', None)], **kwargs)
    return listing, list(listing)


def pages_asked(harness):
    return sorted(page_of(s) for s in harness.sent)


def queries(harness):
    return sorted((s.method, s.path, s.query) for s in harness.sent)


def no_new_threads(before):
    """The threads started since ``before`` (a set of Thread objects) that are still alive, but the transport's
    one deadline watchdog, which lives as long as the process once a request has started it."""
    return [t for t in threading.enumerate() if t not in before and t.is_alive() and t.name != 'invoca-deadlines']


@pytest.mark.parametrize('concurrency', [2, 4, 8, 64])
def test_every_page_is_asked_once_with_the_query_of_a_one_by_one_read_and_items_come_in_order(concurrency):
    one_by_one = harness_for(Server(), 1)
    dummy, expected = walk(one_by_one)
    ahead = harness_for(Server(), concurrency)
    listing, found = walk(ahead)
    assert found == expected == items(0, 20)
    assert pages_asked(ahead) == list(range(1, 11))
    assert queries(ahead) == queries(one_by_one)
    # Page 1 alone first: it tells how many pages there are.
    assert page_of(ahead.sent[0]) == 1
    assert listing.count == 20 and listing.pages_read == 10 and not listing.truncated


def test_pages_are_asked_in_order_never_more_than_concurrency_ahead_of_the_reader():
    """The reader takes the pages one by one; each page is answered only when the test releases it."""
    concurrency, total_pages = 3, 9
    released = dict((n, threading.Event()) for n in range(1, total_pages + 1))
    released[1].set()
    server = Server(total=2 * total_pages, gate=lambda sent: released[page_of(sent)].wait(LIVENESS))
    harness = harness_for(server, concurrency)
    consumed = []
    listing = harness.transport.listing(PATH, 'things', page_size=2)
    outcome = {}

    def reader():
        try:
            for item in listing:
                consumed.append(item)
        except Exception as exc:  # pylint: disable=broad-exception-caught
            outcome['error'] = exc

    def settle(wanted):
        """Wait until exactly the pages 1..wanted were asked for (or the liveness bound passes)."""
        pause = threading.Event()
        for dummy in range(int(LIVENESS / 0.01)):
            if pages_asked(harness) == list(range(1, wanted + 1)):
                break
            pause.wait(0.01)
        return pages_asked(harness)

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for page in range(1, total_pages + 1):
            released[page].set()
            # Once the reader has page ``page`` it waits for page + 1, and pages up to page + concurrency are asked.
            wanted = min(page + concurrency, total_pages)
            assert settle(wanted) == list(range(1, wanted + 1)), page
            if page < total_pages:
                # Nothing past that window, whatever the threads do meanwhile.
                assert max(pages_asked(harness)) <= page + concurrency
    finally:
        for event in released.values():
            event.set()
        thread.join(LIVENESS)
    assert not thread.is_alive() and 'error' not in outcome, outcome
    assert consumed == items(0, 18)
    assert server.most <= concurrency


def test_at_most_concurrency_requests_in_flight_and_the_first_wave_reaches_it():
    concurrency = 4
    # Pages 2 to 5 (the first wave after page 1) are held until all four are in flight together.
    barrier = threading.Barrier(concurrency, timeout=LIVENESS)

    def gate(sent):
        if 2 <= page_of(sent) <= concurrency + 1:
            barrier.wait()

    server = Server(size=2, total=40, gate=gate)
    dummy, found = walk(harness_for(server, concurrency))
    assert found == items(0, 40)
    assert server.most == concurrency


def test_a_cursor_listing_stays_sequential():
    def cursor_page(sent):
        cursor = dict(sent.params).get('cursor')
        number = 1 if cursor is None else int(cursor[1:])
        pager = {'count': 10, 'pages': 5, 'next_cursor': 'c%d' % (number + 1) if number < 5 else None}
        return response(200, {'things': items(2 * (number - 1), 2 * number), 'pagination': pager})

    server = Server(pages=dict((n, cursor_page) for n in range(1, 6)))
    before = set(threading.enumerate())
    harness = harness_for(server, 8)
    dummy, found = walk(harness)
    assert found == items(0, 10)
    assert [dict(s.params).get('cursor') for s in harness.sent] == [None, 'c2', 'c3', 'c4', 'c5']
    assert server.most == 1
    assert not no_new_threads(before)


def test_max_items_stops_asking_at_the_pages_it_needs():
    harness = harness_for(Server(size=2, total=40), 8)
    listing, found = walk(harness, max_items=7)
    assert found == items(0, 7)
    # ceil(7 / 2) = 4 pages, although 20 are announced and 8 could be asked at once.
    assert pages_asked(harness) == [1, 2, 3, 4]
    assert listing.truncated


def test_more_records_than_the_announced_count_stops_with_an_error():
    def growing(sent):
        number = page_of(sent)
        return response(200, {'things': items(2 * number, 2 * number + 2),
                              'pagination': {'count': 4, 'pages': 10, 'next': number + 1}})

    harness = harness_for(Server(pages=dict((n, growing) for n in range(1, 11))), 4)
    listing = harness.transport.listing(PATH, 'things', page_size=2)
    seen = []
    with pytest.raises(Exception) as caught:
        for item in listing:
            seen.append(item)
    assert caught.value.kind == 'pagination'
    assert 'announced 4 records but has sent 6' in str(caught.value)
    assert seen == items(2, 8)


def test_a_page_repeating_the_previous_one_stops_instead_of_looping():
    harness = harness_for(Server(pages={3: dict(body(2, 2, 20), pagination=dict(body(3, 2, 20)['pagination']))}), 4)
    with pytest.raises(Exception) as caught:
        walk(harness)
    assert caught.value.kind == 'pagination'
    assert 'again (or a page with no new records)' in str(caught.value)


def test_a_next_page_that_skips_pages_fails_even_with_the_pages_asked_ahead():
    harness = harness_for(Server(pages={2: body(2, 2, 20, next=4)}), 4)
    with pytest.raises(Exception) as caught:
        walk(harness)
    assert caught.value.kind == 'pagination'
    assert 'pointed from page 2 to page 4' in str(caught.value)


def test_a_listing_that_ends_short_of_its_count_fails():
    # 10 records announced on 5 pages; page 4 says it is the last, and page 5 (asked ahead) is empty.
    pages = {4: body(4, 2, 10, next=None), 5: {'things': [], 'pagination': {'count': 10, 'pages': 5, 'next': None}}}
    harness = harness_for(Server(total=10, pages=pages), 4)
    with pytest.raises(Exception) as caught:
        walk(harness)
    assert caught.value.kind == 'pagination'
    assert 'ended with 8 of the 10 records it announced' in str(caught.value)
    assert pages_asked(harness) == [1, 2, 3, 4, 5]


def test_a_short_page_without_next_is_completed_by_the_next_page_by_number():
    harness = harness_for(Server(total=10, pages={4: body(4, 2, 10, next=None)}), 4)
    listing, found = walk(harness)
    assert found == items(0, 10)
    assert pages_asked(harness) == [1, 2, 3, 4, 5]


def test_an_error_on_a_page_is_raised_in_order():
    pages = {3: response(403, {'message': 'Forbidden'})}
    harness = harness_for(Server(pages=pages), 4)
    listing = harness.transport.listing(PATH, 'things', page_size=2)
    seen = []
    before = set(threading.enumerate())
    with pytest.raises(Exception) as caught:
        for item in listing:
            seen.append(item)
    assert getattr(caught.value, 'status', None) == 403
    # Pages 1 and 2 were read before page 3's error reached the reader; nothing after page 3 was yielded.
    assert seen == items(0, 4)
    # Pages asked ahead of the error are reads, each asked once.
    asked = pages_asked(harness)
    assert asked == sorted(set(asked))
    assert not no_new_threads(before)


class HeldSleep:
    """A sleep that holds each sleeper until ``sleepers`` threads sleep at once, then moves the fake clock on."""

    def __init__(self, clock, sleepers=2):
        self.clock = clock
        self.sleepers = sleepers
        self.calls = []
        self.condition = threading.Condition()

    def __call__(self, seconds):
        with self.condition:
            self.calls.append((threading.current_thread().name, seconds))
            self.condition.notify_all()
            self.condition.wait_for(lambda: len(self.calls) >= self.sleepers, LIVENESS)
        self.clock.advance(seconds)

    def wait_for_sleepers(self, count):
        with self.condition:
            self.condition.wait_for(lambda: len(self.calls) >= count, LIVENESS)


def test_a_429_on_one_page_is_waited_out_through_the_shared_throttle():
    """Concurrency 2: pages 2 and 3 are asked together; page 3 gets a 429 (Retry-After: 2) and waits on the
    transport's throttle. Page 2 is answered only then, so page 4 is asked during the pause: it waits too, although
    it never got a 429 itself, and the pause is charged to the retry budget once."""
    clock = FakeClock()
    sleep = HeldSleep(clock)
    answered = []

    def throttled(sent):
        answered.append(sent)
        if len(answered) == 1:
            return response(429, {'message': 'Too Many Requests'}, headers={'Retry-After': '2'})
        return response(200, body(3, 2, 20))

    def gate(sent):
        if page_of(sent) == 2:
            sleep.wait_for_sleepers(1)

    harness = harness_for(Server(pages={3: throttled}, gate=gate), 2, clock=clock, sleep=sleep)
    dummy, found = walk(harness)
    assert found == items(0, 20)
    assert sorted(page_of(s) for s in harness.sent) == [1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10]
    first, again = answered
    page4, = [s for s in harness.sent if page_of(s) == 4]
    assert again.clock_time >= first.clock_time + 2
    assert page4.clock_time >= first.clock_time + 2
    assert len(sleep.calls) == 2 and page4.thread in [name for name, dummy in sleep.calls]
    assert harness.transport.retry_summary() == {'retries': 1, 'causes': {'429': 1}, 'waited': 2.0}


def test_no_thread_is_left_running_when_the_listing_is_closed_early():
    before = set(threading.enumerate())
    harness = harness_for(Server(size=2, total=40), 8)
    listing = harness.transport.listing(PATH, 'things', page_size=2)
    walker = iter(listing)
    first = [next(walker) for dummy in range(5)]
    assert first == items(0, 5)
    assert no_new_threads(before), 'the pages after the first should be asked ahead by threads of their own'
    walker.close()
    assert not no_new_threads(before)
    asked = pages_asked(harness)
    assert asked == sorted(set(asked))


def test_concurrency_one_starts_no_thread():
    before = set(threading.enumerate())
    harness = harness_for(Server(), 1)
    walker = iter(harness.transport.listing(PATH, 'things', page_size=2))
    next(walker)
    next(walker)
    next(walker)
    assert not no_new_threads(before)
    walker.close()
