# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP side: a threading server (TLS per connection) and the handler that feeds SimulatorState."""

from __future__ import annotations

import json
import socket
import socketserver
import ssl
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import datetime

from .common import clock_start, MAX_BODY, message


class RequestHandler(BaseHTTPRequestHandler):
    """Turns HTTP requests into SimulatorState calls; one instance per connection."""

    protocol_version = 'HTTP/1.1'
    server_version = 'InvocaSmsSimulator/1.0'
    sys_version = ''
    # Without this, writing headers and body separately meets delayed ACKs (40 ms per keep-alive request).
    disable_nagle_algorithm = True
    timeout = 300

    def do_GET(self):
        self._handle('GET')

    def do_POST(self):
        self._handle('POST')

    def do_DELETE(self):
        self._handle('DELETE')

    def do_PUT(self):
        self._handle('PUT')

    def do_PATCH(self):
        self._handle('PATCH')

    def do_HEAD(self):
        self._handle('HEAD')

    def do_OPTIONS(self):
        self._handle('OPTIONS')

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        # Request lines carry no credentials, but stay quiet unless asked: stderr is read by test fixtures.
        if self.server.verbose:
            sys.stderr.write('%s - %s\n' % (self.address_string(), format % args))

    def _read_body(self):
        if 'chunked' in (self.headers.get('Transfer-Encoding') or '').lower():
            chunks = []
            total = 0
            while True:
                size = int(self.rfile.readline(1024).split(b';')[0].strip() or b'0', 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b'\r\n', b'\n', b''):
                        pass
                    return b''.join(chunks)
                total += size
                if total > MAX_BODY:
                    raise ValueError('request body too large')
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
        length = int(self.headers.get('Content-Length') or 0)
        if length < 0 or length > MAX_BODY:
            raise ValueError('bad Content-Length')
        return self.rfile.read(length) if length else b''

    def _handle(self, method):
        try:
            try:
                body = self._read_body()
            except ValueError as exc:
                self.close_connection = True
                self._send(message(400, str(exc)), method)
                return
            raw_path, _sep, query = self.path.partition('?')
            raw_path = raw_path.split('#', 1)[0]
            state = self.server.state
            if raw_path == '/_sim' or raw_path.startswith('/_sim/'):
                with state.lock:
                    reply = state.control(method, raw_path, query, body)
                self._send(reply, method)
                return
            request = self._describe(method, raw_path, query, body)
            with state.lock:
                latency = state.config['latency_ms']
                state.in_flight += 1
                state.peak_in_flight = max(state.peak_in_flight, state.in_flight)
            try:
                if latency:
                    # Outside the lock, so concurrent requests overlap their delays.
                    state.stopping.wait(latency / 1000.0)
                with state.lock:
                    reply = state.process(request)
            finally:
                with state.lock:
                    state.in_flight -= 1
            self._send(reply, method)
        except (BrokenPipeError, ConnectionResetError, socket.timeout, ssl.SSLError):
            self.close_connection = True
        except Exception as exc:
            # Answer like the real API's 500 ({"message": "divided by 0"}) rather than dropping the connection.
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            try:
                self._send(message(500, str(exc) or exc.__class__.__name__), method)
            except OSError:
                pass

    def _describe(self, method, raw_path, query, body):
        """Everything process() needs from the request, parsed without the lock."""
        pairs = parse_qsl(query, keep_blank_values=True)
        params = {}
        for key, value in pairs:
            params.setdefault(key, []).append(value)
        content_type = (self.headers.get('Content-Type') or '').lower()
        body_json = None
        body_number = None
        body_error = True
        # body_kind/body_value: the body as the messages endpoints read it (a JSON value of any shape, or a form).
        body_kind = 'empty'
        body_value = None
        if 'application/x-www-form-urlencoded' in content_type:
            form = dict(parse_qsl(body.decode('utf-8', 'replace'), keep_blank_values=True))
            body_json = form or None
            body_number = form.get('phone_number')
            body_error = not form
            body_kind, body_value = ('form', form) if form else ('empty', None)
        elif body.strip():
            try:
                body_json = json.loads(body.decode('utf-8'))
            except (ValueError, UnicodeDecodeError):
                body_json = None
                body_kind = 'invalid'
            else:
                body_kind, body_value = 'json', body_json
                if isinstance(body_json, dict):
                    body_error = False
                    body_number = body_json.get('phone_number')
        return {
            'method': method,
            'path': raw_path,
            'query': query,
            'pairs': pairs,
            'params': params,
            'body_json': body_json,
            'body_number': body_number,
            'body_error': body_error,
            'body_kind': body_kind,
            'body_value': body_value,
            'auth': self.server.state.classify_auth(self.headers.get('Authorization')),
            'host': self.headers.get('Host'),
            'base_url': '%s://%s' % ('https' if self.server.ssl_context else 'http',
                                     self.headers.get('Host') or '%s:%d' % (self.server.server_name, self.server.server_port)),
        }

    def date_time_string(self, timestamp=None):
        # The Date header tells the API's own time, as a real server's does: the simulated clock, so a client that
        # measures a window against server timestamps (sms_message's dedupe_window) agrees with the records.
        if timestamp is None:
            timestamp = (clock_start() + datetime.timedelta(milliseconds=self.server.state.clock_ms)).timestamp()
        return super().date_time_string(timestamp)

    def _send(self, reply, method):
        if reply.delay:
            self.server.state.stopping.wait(reply.delay)
            self.close_connection = True
        if reply.action == 'close':
            self.close_connection = True
            return
        body = reply.body()
        self.send_response(reply.status)
        self.send_header('Content-Type', reply.content_type)
        self.send_header('Content-Length', str(len(body)))
        for name, value in reply.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header('Connection', 'close')
        self.end_headers()
        if method != 'HEAD' and body:
            self.wfile.write(body)


class SimulatorServer(ThreadingHTTPServer):
    """ThreadingHTTPServer with daemon threads, optional TLS per connection and no reverse DNS at bind."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, state, ssl_context=None, verbose=False):
        self.address_family = socket.AF_INET6 if ':' in address[0] else socket.AF_INET
        self.state = state
        self.ssl_context = ssl_context
        self.verbose = verbose
        super().__init__(address, RequestHandler)

    def server_bind(self):
        # HTTPServer.server_bind calls socket.getfqdn(), a DNS lookup that can stall start-up.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    def finish_request(self, request, client_address):
        if self.ssl_context is None:
            self.RequestHandlerClass(request, client_address, self)
            return
        # The handshake runs here, in the connection's own thread, so a silent client cannot stall accept().
        request.settimeout(30)
        try:
            tls_request = self.ssl_context.wrap_socket(request, server_side=True)
        except (ssl.SSLError, OSError):
            return
        try:
            self.RequestHandlerClass(tls_request, client_address, self)
        finally:
            try:
                tls_request.close()
            except OSError:
                pass
