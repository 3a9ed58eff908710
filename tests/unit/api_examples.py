# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Response bodies and texts of the published API documents (the OpenAPI 2022-08-01 contract and the 2022-05-01
generated schema), read from the one record of the API, ``tests/api_reference/`` (its README says where each came
from), so that the tests parse what the real API sends, not what we imagine it sends.

Also the record's field lists and error texts, for the unit fakes: ``record_fields`` and ``api_text``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os


def _reference_dir():
    """``tests/api_reference``, found from this file upwards (wherever the test tree puts this module)."""
    directory = os.path.dirname(os.path.abspath(__file__))
    while True:
        candidate = os.path.join(directory, 'api_reference')
        if os.path.isfile(os.path.join(candidate, 'api.json')):
            return candidate
        parent = os.path.dirname(directory)
        if parent == directory:
            raise RuntimeError('tests/api_reference/api.json not found above %s' % __file__)
        directory = parent


REFERENCE_DIR = _reference_dir()


def _load(name):
    with open(os.path.join(REFERENCE_DIR, name), encoding='utf-8') as handle:
        return json.load(handle)


# The published examples (examples.json) and the record's fields, pagination names and texts (api.json).
EXAMPLES = _load('examples.json')
API = _load('api.json')


def _example(name):
    entry = EXAMPLES[name]
    return entry['body'] if 'body' in entry else entry['text']


def record_fields(resource, version='2022-08-01', shape='full'):
    """The fields of a ``resource`` record (phone_number, message, delivery_report) in ``version``, in the
    published order; ``shape`` is 'full' (one record) or 'list_item' (an item of a list)."""
    return tuple(API['records'][resource][version][shape]['fields'])


def api_text(name, **values):
    """The API's text ``name`` (a key of api.json ``texts``), its placeholders filled from ``values``."""
    text = API['texts'][name]['text']
    return text.format(**values) if values else text


def pagination_key(version):
    """What the pagination object of a list is named in ``version``: 'pagination' (2022-08-01), 'page' (2022-05-01)."""
    return API['pagination'][version]['key']


# The 2022-08-01 contract's example of GET /phone_numbers: page 1 of 2, ``series`` mixing a string and an
# integer, ``next`` an integer, and five records that (in the published example) all carry the same number.
LIST_2022_08_01_FIRST_PAGE = _example('LIST_2022_08_01_FIRST_PAGE')

# The 2022-08-01 contract's pagination object of a last page (from GET /messages/phone_number/{n}):
# ``next`` is null although the schema says integer, and ``next_url`` ends in ``page=``.
PAGINATION_2022_08_01_LAST_PAGE = _example('PAGINATION_2022_08_01_LAST_PAGE')

# The 2022-05-01 schema's example of GET /phone_numbers.json: the pagy object is named ``page``, carries
# ``vars``, and on this (only) page ``next`` is null and ``next_url`` ends in ``page=``.
LIST_2022_05_01_SINGLE_PAGE = _example('LIST_2022_05_01_SINGLE_PAGE')

# GET /phone_numbers/{n} 200, 404 and 422 (2022-08-01 contract).
GET_200 = _example('GET_200')
GET_404 = _example('GET_404')
GET_422 = _example('GET_422')

# 403 (2022-08-01 contract).
FORBIDDEN_403 = _example('FORBIDDEN_403')

# POST /phone_numbers/{n} 201; 409 is an empty object (2022-08-01 contract).
CREATE_201 = _example('CREATE_201')
CREATE_409 = _example('CREATE_409')

# DELETE /phone_numbers/{n} 200 (the record, now soft-deleted) and 404 (2022-08-01 contract).
DELETE_200 = _example('DELETE_200')
DELETE_404 = _example('DELETE_404')

# POST /phone_numbers.json 200 (an empty object) and 201 (2022-05-01 schema).
CREATE_2022_05_01_200 = _example('CREATE_2022_05_01_200')
CREATE_2022_05_01_201 = _example('CREATE_2022_05_01_201')

# 404 of a path without a valid version (2022-05-01 schema).
NO_VERSION_404 = _example('NO_VERSION_404')

# Error bodies that the 2022-05-01 schema documents with the content type text/html although they are JSON,
# kept as the exact text the server sends: 401, 403, the catch-all route's 404 (also what an unknown number
# gets), 422 with an ``errors`` list, 500.
UNAUTHORIZED_401_TEXT = _example('UNAUTHORIZED_401_TEXT')
FORBIDDEN_403_TEXT = _example('FORBIDDEN_403_TEXT')
NOT_FOUND_404_TEXT = _example('NOT_FOUND_404_TEXT')
UNPROCESSABLE_422_TEXT = _example('UNPROCESSABLE_422_TEXT')
SERVER_ERROR_500_TEXT = _example('SERVER_ERROR_500_TEXT')

# POST /messages 202 (2022-08-01 contract): "creates a message and forwards to kafka", a page of records.
SEND_2022_08_01_202 = _example('SEND_2022_08_01_202')

# POST /messages.json 200 (2022-05-01 schema): "handles pushing OutgoingSmsKafkaMessage", an empty object.
SEND_2022_05_01_200 = _example('SEND_2022_05_01_200')

# GET or DELETE /messages/uuid/{uuid} 404 (2022-08-01 contract).
MESSAGE_404 = _example('MESSAGE_404')

# GET /messages/phone_number/{n} 404 (2022-08-01 contract): the number has no messages.
MESSAGES_OF_NUMBER_404 = _example('MESSAGES_OF_NUMBER_404')

# 400 to a body that is not one object (2022-05-01 schema, /parsed_request_body.json).
NOT_A_HASH_400_TEXT = _example('NOT_A_HASH_400_TEXT')
