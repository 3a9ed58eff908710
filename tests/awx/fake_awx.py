# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A stand-in for the credential-types part of the AWX REST API (/api/v2/credential_types/), on loopback.

Just enough for the awx.awx.credential_type module: list filtered by name, create, update, with bearer-token
auth and the product headers AWX sends. A created or updated type is checked the way AWX checks it
(awx_emulation.validate_credential_type); a refused one gets HTTP 400 as from AWX. Every request is logged.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from awx_emulation import CredentialTypeError, validate_credential_type

PREFIX = '/api/v2/credential_types/'
WRITABLE = ('name', 'description', 'kind', 'inputs', 'injectors')


class FakeAwx:
    """Start with ``with FakeAwx(token) as awx:``; ``awx.url``, ``awx.credential_types``, ``awx.log``."""

    def __init__(self, token, version='24.6.1'):
        self.token = token
        self.version = version
        self.credential_types = {}
        self.log = []
        self._next_id = 1
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self.url = None

    def __enter__(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

            def do_GET(self):  # pylint: disable=invalid-name
                fake.handle(self, 'GET')

            def do_POST(self):  # pylint: disable=invalid-name
                fake.handle(self, 'POST')

            def do_PATCH(self):  # pylint: disable=invalid-name
                fake.handle(self, 'PATCH')

            def do_PUT(self):  # pylint: disable=invalid-name
                fake.handle(self, 'PUT')

            def do_DELETE(self):  # pylint: disable=invalid-name
                fake.handle(self, 'DELETE')

        self._server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self.url = 'http://127.0.0.1:%d' % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc_info):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    def writes(self):
        return [entry for entry in self.log if entry['method'] != 'GET']

    def _record(self, record_id, data):
        record = dict(id=record_id, type='credential_type', url='%s%d/' % (PREFIX, record_id), managed=False,
                      related={}, summary_fields={}, created='2026-01-01T00:00:00Z', modified='2026-01-01T00:00:00Z',
                      namespace=None, description='', inputs={}, injectors={})
        record.update(data)
        return record

    def _answer(self, handler, status, body):
        payload = json.dumps(body).encode('utf-8')
        handler.send_response(status)
        handler.send_header('Content-Type', 'application/json')
        handler.send_header('Content-Length', str(len(payload)))
        handler.send_header('X-API-Product-Name', 'AWX')
        handler.send_header('X-API-Product-Version', self.version)
        handler.end_headers()
        handler.wfile.write(payload)

    def handle(self, handler, method):
        parsed = urllib.parse.urlsplit(handler.path)
        length = int(handler.headers.get('Content-Length') or 0)
        body = json.loads(handler.rfile.read(length).decode('utf-8')) if length else None
        with self._lock:
            self.log.append({'method': method, 'path': parsed.path, 'query': parsed.query, 'body': body})
            if handler.headers.get('Authorization') != 'Bearer ' + self.token:
                self._answer(handler, 401, {'detail': 'Authentication credentials were not provided.'})
                return
            if not parsed.path.startswith(PREFIX):
                self._answer(handler, 404, {'detail': 'Not found.'})
                return
            rest = parsed.path[len(PREFIX):].strip('/')
            if not rest:
                self._collection(handler, method, parsed.query, body)
            elif rest.isdigit() and int(rest) in self.credential_types:
                self._member(handler, method, int(rest), body)
            else:
                self._answer(handler, 404, {'detail': 'Not found.'})

    def _collection(self, handler, method, query, body):
        if method == 'GET':
            filters = dict(urllib.parse.parse_qsl(query))
            found = [record for record in self.credential_types.values()
                     if all(str(record.get(key)) == value for key, value in filters.items() if key in ('name', 'id', 'kind'))]
            self._answer(handler, 200, {'count': len(found), 'next': None, 'previous': None, 'results': found})
        elif method == 'POST':
            data = dict((key, body[key]) for key in WRITABLE if key in body)
            if any(record['name'] == data.get('name') and record['kind'] == data.get('kind') for record in self.credential_types.values()):
                self._answer(handler, 400, {'__all__': ['Credential type with this Name and Kind already exists.']})
                return
            try:
                validate_credential_type(data)
            except CredentialTypeError as exc:
                self._answer(handler, 400, {'inputs': [str(exc)]})
                return
            record = self._record(self._next_id, data)
            self.credential_types[self._next_id] = record
            self._next_id += 1
            self._answer(handler, 201, record)
        else:
            self._answer(handler, 405, {'detail': 'Method "%s" not allowed.' % method})

    def _member(self, handler, method, record_id, body):
        record = self.credential_types[record_id]
        if method == 'GET':
            self._answer(handler, 200, record)
        elif method in ('PATCH', 'PUT'):
            updated = dict(record)
            updated.update((key, body[key]) for key in WRITABLE if key in body)
            try:
                validate_credential_type(updated)
            except CredentialTypeError as exc:
                self._answer(handler, 400, {'inputs': [str(exc)]})
                return
            self.credential_types[record_id] = updated
            self._answer(handler, 200, updated)
        elif method == 'DELETE':
            del self.credential_types[record_id]
            handler.send_response(204)
            handler.end_headers()
        else:
            self._answer(handler, 405, {'detail': 'Method "%s" not allowed.' % method})
