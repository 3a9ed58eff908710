# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_api/http.py: body size caps (gzip included), the whole-request deadline and
redirects, and what an answer's body shows."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import gzip
import json
import socket
import threading
import time

import pytest
import requests
from requests.structures import CaseInsensitiveDict

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.http import MAX_BODY_BYTES
from ansible_collections.invoca.messaging.plugins.module_utils._api.transport import Transport
from ansible_collections.invoca.messaging.tests.unit.fakes import TOKEN, Harness, response


PATH = '/sms/2022-08-01/phone_numbers'


class Stream:
    """A raw body stream: ``size`` bytes of ``fill`` (or ``data``), counting what was read."""

    def __init__(self, size=0, fill=b' ', data=None):
        self.data = data
        self.size = len(data) if data is not None else size
        self.fill = fill
        self.read_bytes = 0
        self.closed = False

    def read(self, amount, decode_content=False):
        assert decode_content is False, 'the transport must decompress itself, under its cap'
        amount = min(amount, self.size - self.read_bytes)
        if amount <= 0:
            return b''
        if self.data is not None:
            chunk = self.data[self.read_bytes:self.read_bytes + amount]
        else:
            chunk = self.fill * amount
        self.read_bytes += amount
        return chunk

    def close(self):
        self.closed = True


def streamed(raw, headers=None, status=200):
    resp = requests.Response()
    resp.status_code = status
    resp.raw = raw
    resp.headers = CaseInsensitiveDict(headers or {'Content-Type': 'application/json'})
    resp.url = 'https://messaging.example.test/'
    return resp


def test_a_body_over_the_cap_is_refused_without_reading_it_all():
    raw = Stream(size=MAX_BODY_BYTES * 4)
    harness = Harness([streamed(raw)])
    with pytest.raises(ApiError) as caught:
        harness.transport.request('GET', PATH)
    assert caught.value.kind == 'malformed'
    assert 'too large' in str(caught.value)
    assert raw.read_bytes <= MAX_BODY_BYTES + 64 * 1024
    # Asking again would only read another oversized answer.
    assert len(harness.sent) == 1


def test_an_announced_content_length_over_the_cap_is_refused_before_reading():
    raw = Stream(size=10)
    harness = Harness([streamed(raw, {'Content-Length': str(MAX_BODY_BYTES + 1)})])
    with pytest.raises(ApiError) as caught:
        harness.transport.request('GET', PATH)
    assert '%d bytes announced' % (MAX_BODY_BYTES + 1) in str(caught.value)
    assert raw.read_bytes == 0


def test_a_gzip_bomb_is_capped_after_decompression():
    bomb = gzip.compress(b'\0' * (MAX_BODY_BYTES + 8 * 1024 * 1024), compresslevel=9)
    assert len(bomb) < MAX_BODY_BYTES // 100
    raw = Stream(data=bomb)
    harness = Harness([streamed(raw, {'Content-Type': 'application/json', 'Content-Encoding': 'gzip'})])
    with pytest.raises(ApiError) as caught:
        harness.transport.request('GET', PATH)
    assert caught.value.kind == 'malformed'
    assert 'too large' in str(caught.value)
    assert len(harness.sent) == 1


def test_a_gzip_body_under_the_cap_is_decoded():
    body = {'phone_numbers': [], 'pagination': {'count': 0}}
    raw = Stream(data=gzip.compress(json.dumps(body).encode('utf-8')))
    harness = Harness([streamed(raw, {'Content-Type': 'application/json', 'Content-Encoding': 'gzip'})])
    assert harness.transport.request('GET', PATH).body == body


# -- the whole-request deadline ---------------------------------------------------------------------------------

class TricklingServer:
    """A server on 127.0.0.1 that answers every connection one byte at a time, at most ``limit`` bytes."""

    def __init__(self, head=b'', interval=0.2, limit=60):
        self.head = head
        self.interval = interval
        self.limit = limit
        self.stop = threading.Event()
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.bind(('127.0.0.1', 0))
        self.listener.listen(4)
        self.listener.settimeout(5)
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self):
        try:
            conn, dummy = self.listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(5)
            try:
                conn.recv(65536)
                conn.sendall(self.head)
                for dummy in range(self.limit):
                    if self.stop.wait(self.interval):
                        return
                    conn.sendall(b' ')
            except OSError:
                return

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc_info):
        self.stop.set()
        self.listener.close()
        self.thread.join(5)


@pytest.mark.parametrize('head', [
    b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n',  # trickled body
    b'HTTP/1.1 200 OK\r\n',                                                                  # trickled headers
])
def test_timeout_bounds_the_whole_request_not_each_read(head):
    with TricklingServer(head=head) as server:
        transport = Transport(api_token=TOKEN, api_url='http://127.0.0.1:%d' % server.port, timeout=1, max_retries=0)
        try:
            started = time.monotonic()
            with pytest.raises(ApiError) as caught:
                transport.request('GET', PATH)
            elapsed = time.monotonic() - started
        finally:
            transport.close()
    assert caught.value.kind == 'transport'
    assert 'within the timeout of 1 s' in str(caught.value)
    # Each byte came well within the 1 s read timeout: only a whole-request deadline ends this in time.
    assert elapsed < 2.5


# -- answers that cannot be read: a clean ApiError, never an exception of the server's making ---------------------

@pytest.mark.parametrize('encoding, data', [
    ('gzip', b'\x1f\x8b\x08\x00 this is not a gzip stream'),
    ('gzip', b'\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff' + b'\xff\xfe garbage after a valid gzip header'),
    ('deflate', b'raw deflate without its zlib header'),
])
@pytest.mark.parametrize('method', ['GET', 'POST'])
def test_a_compressed_body_that_does_not_decompress_is_a_clean_error(encoding, data, method):
    harness = Harness([streamed(Stream(data=data), {'Content-Type': 'application/json', 'Content-Encoding': encoding},
                                status=201)])
    with pytest.raises(ApiError) as caught:
        harness.transport.request(method, PATH)
    assert caught.value.kind == 'malformed'
    assert 'does not decompress' in str(caught.value)
    # A write it answered may have been applied all the same: the caller must not take it for "not sent".
    assert caught.value.may_have_applied is (method == 'POST')
    assert len(harness.sent) == 1


# -- HTML pages are shown as text, however they begin -----------------------------------------------------------

@pytest.mark.parametrize('page', [
    '<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>',
    '\ufeff<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>',
    '<!-- a proxy said > this --><html><title>502 Bad Gateway</title></html>',
    '<?xml version="1.0" encoding="UTF-8"?>\n<html xmlns="http://www.w3.org/1999/xhtml"><head><title>502 Bad Gateway'
    '</title></head></html>',
    '<p>502 Bad Gateway</p>',
    '  \n<div class="error"><b>502</b> Bad Gateway</div>',
])
@pytest.mark.parametrize('content_type', ['text/html', 'text/plain'])
def test_an_html_error_page_is_shown_as_its_text(page, content_type):
    harness = Harness([response(502, raw=page, content_type=content_type)], max_retries=0)
    answer = harness.transport.request('GET', PATH)
    error = str(harness.transport.error('GET', PATH, answer))
    assert '502 Bad Gateway' in error
    assert '<' not in error and '>' not in error, error


def test_json_that_mentions_a_tag_is_not_taken_for_a_page():
    harness = Harness([response(422, {'message': 'text "<p>" is not allowed'})])
    answer = harness.transport.request('POST', PATH)
    assert 'text "<p>" is not allowed' in str(harness.transport.error('POST', PATH, answer))


# -- the timeout is for the whole request, redirects included ---------------------------------------------------

def test_each_redirect_hop_gets_only_what_the_earlier_hops_left_of_the_timeout():
    def slow_redirect(sent):
        time.sleep(0.3)
        return response(302, raw='', headers={'Location': '/sms/2022-08-01/elsewhere'})

    harness = Harness([slow_redirect, slow_redirect, response(200, {'ok': True})], timeout=2)
    assert harness.transport.request('GET', PATH).status == 200
    budgets = [sent.timeout for sent in harness.sent]
    assert budgets[0] <= 2
    assert budgets[1] <= budgets[0] - 0.25 and budgets[2] <= budgets[1] - 0.25, budgets
