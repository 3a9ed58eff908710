# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The page walker: every item of a paginated listing (page numbers or cursors), bounded and checked.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json
import re
from concurrent.futures import ThreadPoolExecutor

from urllib.parse import parse_qs

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.excerpts import excerpt

MAX_PAGE_SIZE = 500
# Hard ceilings of one listing, whatever its pages announce: far above any real network, far below exhaustion.
MAX_PAGES = 20000
MAX_ITEMS = 250000
# str.isdigit() also accepts characters such as superscript digits, which int() refuses.
_PAGE_NUMBER = re.compile(r'[0-9]{1,9}')


def page_token(body, pager):
    """The next page as the response describes it: ('cursor', value), ('page', number), None on the last page.

    Raises ValueError for a next page that is announced but unusable: following it blindly could loop, and
    stopping silently would pass a short listing off as the whole.
    """
    for holder in (pager, body):
        if isinstance(holder, dict):
            cursor = holder.get('next_cursor')
            if isinstance(cursor, str) and cursor:
                return ('cursor', cursor)
    if not isinstance(pager, dict):
        return None
    nxt = pager.get('next')
    # pagy writes page numbers as integers or as strings; bool is an int in Python but never a page.
    if isinstance(nxt, int) and not isinstance(nxt, bool):
        if nxt < 1:
            raise ValueError('next page %r is not a page number' % (nxt,))
        return ('page', nxt)
    if isinstance(nxt, str) and nxt.strip():
        if not _PAGE_NUMBER.fullmatch(nxt.strip()):
            raise ValueError('next page %r is not a page number' % (nxt,))
        return ('page', int(nxt))
    if nxt not in (None, '', False):
        raise ValueError('next page %r is not a page number' % (nxt,))
    # On the last page pagy leaves next null and next_url ending in "page=" (empty): that is not a next page.
    next_url = pager.get('next_url')
    if isinstance(next_url, str) and '?' in next_url:
        query = parse_qs(next_url.split('?', 1)[1])
        cursor = (query.get('cursor') or [''])[0]
        if cursor:
            return ('cursor', cursor)
        page = (query.get('page') or [''])[0]
        if _PAGE_NUMBER.fullmatch(page):
            return ('page', int(page))
    return None


def _says_last_cursor_page(body, pager):
    """True when a cursor page says in so many words that no page follows (next_cursor present and empty)."""
    return any(isinstance(holder, dict) and 'next_cursor' in holder and not holder['next_cursor']
               for holder in (pager, body))


def _count_of(pager):
    value = pager.get('count') if isinstance(pager, dict) else None
    if isinstance(value, str) and _PAGE_NUMBER.fullmatch(value.strip()):
        value = int(value)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def _first_page_size(wanted, largest):
    """The page size to start a listing capped at ``wanted`` records: the largest that divides ``wanted`` in as few
    pages as ``largest`` would take (600 at most 500 a page: 300 + 300), else ``largest``."""
    if wanted <= largest:
        return wanted
    pages = -(-wanted // largest)
    for size in range(largest, 0, -1):
        if -(-wanted // size) > pages:
            break
        if wanted % size == 0:
            return size
    return largest


class _PagesAhead:
    """The pages of a page-number listing asked for ahead of its reader, up to ``concurrency`` at once and never past
    ``last``, and handed over in order. A page not asked for ahead (past ``last``) is asked for when wanted.

    Twice ``concurrency`` pages are queued ahead, so that a request is ready to go as soon as one is answered,
    while the reader is still busy with an earlier page; the pool still sends at most ``concurrency`` at once.

    Only reads: asking for a page the reader then does not want costs a request and changes nothing.
    """

    def __init__(self, fetch, concurrency, last):
        self._fetch = fetch
        self._concurrency = concurrency
        self._last = last
        self._executor = ThreadPoolExecutor(max_workers=concurrency)
        self._futures = {}

    def get(self, page):
        for ahead in range(page, min(page + 2 * self._concurrency, self._last + 1)):
            if ahead not in self._futures:
                self._futures[ahead] = self._executor.submit(self._fetch, ahead)
        future = self._futures.pop(page, None)
        return future.result() if future is not None else self._fetch(page)

    def close(self):
        for future in self._futures.values():
            future.cancel()
        self._executor.shutdown(wait=True)


class Listing:
    """Every item of a paginated listing, page after page, as the responses describe the next page.

    2022-08-01 names the pagy object ``pagination``, 2022-05-01 names it ``page``; a cursor (``next_cursor``)
    is followed when the server sends one. The walk is bounded: a page sent twice, a page with nothing new,
    more items or pages than the listing announced (or than MAX_ITEMS / MAX_PAGES), or a listing that ends short
    of its announced count stops it with an ApiError. A short last page without a next page is completed by
    asking for the following page by number. ``truncated`` tells whether it stopped at ``max_items``.

    ``growing``: the listing may grow while it is read (newest first, new records push older ones onto the next
    page): records seen before are skipped and a page of them, or an end short of the count, is not an error.

    ``concurrency``: once the first page of a page-number listing has told how many pages there are, the next
    pages are asked for up to this many at once, and read in order with every check above. A cursor listing is
    read one page after the other: each cursor comes with the page before it.
    """

    def __init__(self, transport, path, items_key, query=(), page_size=MAX_PAGE_SIZE, max_items=None,
                 item_key=None, extract=None, growing=False, concurrency=1):
        self._transport = transport
        self.path = self._path = path
        self._items_key = items_key
        self._query = list(query)
        self._page_size = page_size
        self._max_items = max_items
        # Items are told apart by their key (by default their whole content), so a repeated page is noticed.
        self._item_key = item_key or (lambda item: json.dumps(item, sort_keys=True, default=str))
        self._extract = extract
        self.growing = growing
        self.concurrency = max(1, concurrency)
        self.truncated = False
        self.count = None
        self.pages_read = 0

    def _fail(self, detail, answer=None):
        # The detail may quote the server's pager: redacted like every server text.
        return ApiError('GET', self._path, self._transport.redact(detail), status=answer.status if answer else None,
                        kind='pagination')

    def _key(self, item):
        # A short key as it is (a phone number's is about 50 characters); a long one as a digest, so that a listing
        # of many large records keeps no more than 64 characters or 32 bytes per record it has seen.
        key = self._item_key(item)
        return key if len(key) <= 64 else hashlib.sha256(key.encode('utf-8', 'surrogatepass')).digest()

    def __iter__(self):
        ahead = []
        try:
            yield from self._walk(ahead)
        finally:
            for pages in ahead:
                pages.close()

    def _request(self, query):
        answer = self._transport.request('GET', self._path, query)
        if answer.status != 200:
            raise self._transport.error('GET', self._path, answer)
        return answer

    def _walk(self, ahead):
        """The items, page after page; ``ahead`` receives the _PagesAhead it starts, for the caller to close."""
        token = None
        page_number = 1
        received = 0
        cursors = False
        seen_tokens = {('page', 1)}
        seen_keys = set()
        announced_count = announced_pages = last_count = None
        # One page size for the whole walk, and the server's own next pages followed: a server that serves fewer
        # records a page than asked numbers its pages by what it serves, so pages are never renumbered here.
        size = self._page_size if self._max_items is None else _first_page_size(self._max_items, self._page_size)
        while True:
            query = self._query + [('limit', size)] + ([token] if token is not None else [])
            if ahead and token is not None and token[0] == 'page':
                answer = ahead[0].get(token[1])
            else:
                answer = self._request(query)
            self.pages_read += 1
            items, pager = self._page(answer)
            count = _count_of(pager)
            if count is not None:
                last_count = count
                announced_count = count if announced_count is None else max(announced_count, count)
                self.count = announced_count
            pages = _count_of({'count': pager.get('pages')}) if isinstance(pager, dict) else None
            if pages is not None:
                announced_pages = pages if announced_pages is None else max(announced_pages, pages)
            fresh = 0
            for item in items:
                received += 1
                key = self._key(item)
                if key in seen_keys:
                    continue
                seen_keys.add(key)
                fresh += 1
                yield item
                if self._max_items is not None and received >= self._max_items:
                    break
            # The largest count and pages any page announced: a listing that grows while it is read says so itself.
            sent = len(seen_keys) if self.growing else received
            if announced_count is not None and sent > announced_count:
                raise self._fail('the listing announced %d records but has sent %d so far; stopped instead of '
                                 'reading on' % (announced_count, sent), answer)
            if received > MAX_ITEMS or self.pages_read > MAX_PAGES:
                raise self._fail('the listing passed %d records or %d pages, more than any real network holds; '
                                 'stopped' % (MAX_ITEMS, MAX_PAGES), answer)
            # A growing listing read newest first ends short of its count (the new records went onto page 1), so
            # its end is confirmed by an empty page past the pages it announced: that page is the end, not more.
            if not cursors and announced_pages is not None and page_number > announced_pages and (
                    items or not self.growing):
                raise self._fail('the listing announced %d pages but kept sending more; stopped' % announced_pages,
                                 answer)
            try:
                token = page_token(answer.body, pager)
            except ValueError as exc:
                raise self._fail('%s, in %s; stopped instead of guessing' % (exc, excerpt(json.dumps(pager))), answer)
            if self._max_items is not None and received >= self._max_items:
                self.truncated = token is not None or (last_count is not None and received < last_count)
                return
            if token is None:
                # Against the last page's count: records deleted while we read (a filtered listing) shrink it.
                # Records told apart, not records sent: a server repeating records in place of others is short.
                short = last_count is not None and len(seen_keys) < last_count
                unconfirmed_end = last_count is None and len(items) >= size
                if cursors and unconfirmed_end and not _says_last_cursor_page(answer.body, pager):
                    raise self._fail('the listing sent a full page of %d records with neither a next cursor nor a '
                                     'count; stopped instead of taking it for the end' % len(items), answer)
                if not fresh or cursors or not (short or unconfirmed_end):
                    if short and not self.growing:
                        raise self._fail('the listing ended with %d of the %d records it announced'
                                         % (len(seen_keys), last_count), answer)
                    return
                # A page-numbered listing that stops early (or a full page with no count and no next): ask for
                # the next page by number; an empty one confirms the end, a short count fails above.
                token = ('page', page_number + 1)
            elif token in seen_tokens or (not fresh and not self.growing):
                raise self._fail('the server sent %s=%s again (or a page with no new records) while paging; '
                                 'stopped instead of looping forever' % token, answer)
            elif token[0] == 'page' and not cursors and token[1] != page_number + 1:
                raise self._fail('the server pointed from page %d to page %d, which would skip records; stopped'
                                 % (page_number, token[1]), answer)
            seen_tokens.add(token)
            if token[0] == 'page':
                page_number = token[1]
                if not ahead and page_number == 2 and announced_pages and self.concurrency > 1:
                    last = announced_pages
                    if self._max_items is not None:
                        last = min(last, -(-self._max_items // size))
                    sized = self._query + [('limit', size)]
                    ahead.append(_PagesAhead(lambda page, sized=sized: self._request(sized + [('page', page)]),
                                             self.concurrency, min(last, MAX_PAGES)))
            else:
                cursors = True

    def _page(self, answer):
        body = answer.body
        items = body.get(self._items_key) if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise self._transport.malformed('GET', self._path, answer,
                                            'an object {"%s": [...], "pagination": {...}}' % self._items_key)
        if self._extract is not None:
            items = [self._extract(self._path, answer, item) for item in items]
        pager = body.get('pagination')
        if not isinstance(pager, dict):
            pager = body.get('page') if isinstance(body.get('page'), dict) else None
        return items, pager


def announced_count(listing):
    """The total that the first page of ``listing`` (a Listing of max_items=1, page_size=1) announces.

    The API has no count endpoint for every resource, but every page says how many records match.
    """
    records = list(listing)
    if listing.count is None:
        if records:
            raise ApiError('GET', listing.path, 'the listing has records but no pagination count, so they cannot be '
                           'counted without reading them all; list them instead', status=200, kind='malformed')
        return 0
    return listing.count
