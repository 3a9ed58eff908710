# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Response bodies copied verbatim from the published API documents (the OpenAPI 2022-08-01 contract and the
2022-05-01 generated schema), so that the tests parse what the real API sends, not what we imagine it sends.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

# The 2022-08-01 contract's example of GET /phone_numbers: page 1 of 2, ``series`` mixing a string and an
# integer, ``next`` an integer, and five records that (in the published example) all carry the same number.
LIST_2022_08_01_FIRST_PAGE = json.loads(r'''
{
    "phone_numbers": [
        {
            "phone_number": "+18885550100",
            "created_at": "2022-01-31T23:49:03.316Z",
            "deleted_at": null,
            "carrier_interface": "bandwidth",
            "enabled_at": null
        },
        {
            "phone_number": "+18885550100",
            "created_at": "2022-01-31T23:49:04.316Z",
            "deleted_at": null,
            "carrier_interface": "bandwidth",
            "enabled_at": null
        },
        {
            "phone_number": "+18885550100",
            "created_at": "2022-01-31T23:49:05.316Z",
            "deleted_at": null,
            "carrier_interface": "bandwidth",
            "enabled_at": null
        },
        {
            "phone_number": "+18885550100",
            "created_at": "2022-01-31T23:49:06.316Z",
            "deleted_at": null,
            "carrier_interface": "bandwidth",
            "enabled_at": null
        },
        {
            "phone_number": "+18885550100",
            "created_at": "2022-01-31T23:49:07.316Z",
            "deleted_at": null,
            "carrier_interface": "bandwidth",
            "enabled_at": null
        }
    ],
    "pagination": {
        "prev_url": "/sms/2022-08-01/phone_numbers?page=",
        "series": [
            "1",
            2
        ],
        "in": 5,
        "scaffold_url": "/sms/2022-08-01/phone_numbers?page=__pagy_page__",
        "from": 1,
        "last_url": "/sms/2022-08-01/phone_numbers?page=2",
        "pages": 2,
        "count": 7,
        "last": 2,
        "first_url": "/sms/2022-08-01/phone_numbers?page=1",
        "items": 5,
        "next": 2,
        "next_url": "/sms/2022-08-01/phone_numbers?page=2",
        "to": 5,
        "prev": null,
        "page": 1,
        "page_url": "/sms/2022-08-01/phone_numbers?page=1"
    }
}''')

# The 2022-08-01 contract's pagination object of a last page (from GET /messages/phone_number/{n}):
# ``next`` is null although the schema says integer, and ``next_url`` ends in ``page=``.
PAGINATION_2022_08_01_LAST_PAGE = json.loads(r'''
{
    "prev_url": "/sms/2022-08-01/messages/phone_number/+18885550100?page=",
    "series": [
        "1"
    ],
    "in": 1,
    "scaffold_url": "/sms/2022-08-01/messages/phone_number/+18885550100?page=__pagy_page__",
    "from": 1,
    "last_url": "/sms/2022-08-01/messages/phone_number/+18885550100?page=1",
    "pages": 1,
    "count": 1,
    "last": 1,
    "first_url": "/sms/2022-08-01/messages/phone_number/+18885550100?page=1",
    "items": 10,
    "next": null,
    "next_url": "/sms/2022-08-01/messages/phone_number/+18885550100?page=",
    "to": 1,
    "prev": null,
    "page": 1,
    "page_url": "/sms/2022-08-01/messages/phone_number/+18885550100?page=1"
}''')

# The 2022-05-01 schema's example of GET /phone_numbers.json: the pagy object is named ``page``, carries
# ``vars``, and on this (only) page ``next`` is null and ``next_url`` ends in ``page=``.
LIST_2022_05_01_SINGLE_PAGE = json.loads(r'''
{
    "phone_numbers": [
        {
            "id": 495,
            "virtual_line_id": 261,
            "phone_number": "+14072086327",
            "network_id": 1,
            "carrier_interface": "bandwidth",
            "created_at": "2022-01-31T23:49:02Z",
            "enabled_at": null,
            "deleted_at": null
        },
        {
            "id": 496,
            "virtual_line_id": 262,
            "phone_number": "+16197574105",
            "network_id": 1,
            "carrier_interface": "bandwidth",
            "created_at": "2022-01-31T23:49:03Z",
            "enabled_at": null,
            "deleted_at": null
        },
        {
            "id": 497,
            "virtual_line_id": 263,
            "phone_number": "+13173471318",
            "network_id": 1,
            "carrier_interface": "bandwidth",
            "created_at": "2022-01-31T23:49:04Z",
            "enabled_at": null,
            "deleted_at": null
        },
        {
            "id": 498,
            "virtual_line_id": 264,
            "phone_number": "+13129161109",
            "network_id": 1,
            "carrier_interface": "bandwidth",
            "created_at": "2022-01-31T23:49:05Z",
            "enabled_at": null,
            "deleted_at": null
        },
        {
            "id": 499,
            "virtual_line_id": 265,
            "phone_number": "+19252191570",
            "network_id": 1,
            "carrier_interface": "bandwidth",
            "created_at": "2022-01-31T23:49:06Z",
            "enabled_at": null,
            "deleted_at": null
        }
    ],
    "page": {
        "scaffold_url": "/sms/2022-05-01/phone_numbers.json?created_at[lte]=2022-01-31+23%3A49%3A06+UTC&page=__pagy_page__",
        "first_url": "/sms/2022-05-01/phone_numbers.json?created_at[lte]=2022-01-31+23%3A49%3A06+UTC&page=1",
        "prev_url": "/sms/2022-05-01/phone_numbers.json?created_at[lte]=2022-01-31+23%3A49%3A06+UTC&page=",
        "page_url": "/sms/2022-05-01/phone_numbers.json?created_at[lte]=2022-01-31+23%3A49%3A06+UTC&page=1",
        "next_url": "/sms/2022-05-01/phone_numbers.json?created_at[lte]=2022-01-31+23%3A49%3A06+UTC&page=",
        "last_url": "/sms/2022-05-01/phone_numbers.json?created_at[lte]=2022-01-31+23%3A49%3A06+UTC&page=1",
        "count": 5,
        "page": 1,
        "items": 20,
        "vars": {
            "page": 1,
            "items": 20,
            "outset": 0,
            "size": [
                1,
                4,
                4,
                1
            ],
            "page_param": "page",
            "params": {},
            "fragment": "",
            "link_extra": "",
            "i18n_key": "pagy.item_name",
            "cycle": false,
            "metadata": [
                "scaffold_url",
                "first_url",
                "prev_url",
                "page_url",
                "next_url",
                "last_url",
                "count",
                "page",
                "items",
                "vars",
                "pages",
                "last",
                "in",
                "from",
                "to",
                "prev",
                "next",
                "series"
            ],
            "count": 5
        },
        "pages": 1,
        "last": 1,
        "in": 5,
        "from": 1,
        "to": 5,
        "prev": null,
        "next": null,
        "series": [
            "1"
        ]
    }
}''')

# GET /phone_numbers/{n} 200 (2022-08-01 contract).
GET_200 = json.loads(r'''
{
    "phone_number": {
        "phone_number": "+18885550100",
        "virtual_line_id": 197,
        "network_id": 12345,
        "created_at": "2022-03-14T20:30:12.000Z",
        "deleted_at": null,
        "carrier_interface": "bandwidth",
        "enabled_at": null
    }
}''')

# GET /phone_numbers/{n} 404 (2022-08-01 contract).
GET_404 = json.loads(r'''
{
    "message": "Not Found - the requested phone number, +18885550100, is not in the system"
}''')

# GET /phone_numbers/{n} 422 (2022-08-01 contract).
GET_422 = json.loads(r'''
{
    "message": "Unprocessable Entity - the requested phone number is not valid"
}''')

# 403 (2022-08-01 contract).
FORBIDDEN_403 = json.loads(r'''
{
    "message": "Forbidden"
}''')

# POST /phone_numbers/{n} 201 (2022-08-01 contract).
CREATE_201 = json.loads(r'''
{
    "phone_number": {
        "phone_number": "+18885550100",
        "virtual_line_id": 67890,
        "network_id": 12345,
        "created_at": "2022-03-14T20:30:12.000Z",
        "deleted_at": null,
        "carrier_interface": "bandwidth",
        "enabled_at": "2022-03-14T20:30:12.000Z"
    }
}''')

# POST /phone_numbers/{n} 409 (2022-08-01 contract): an empty object.
CREATE_409 = json.loads(r'''
{}''')

# DELETE /phone_numbers/{n} 200 (2022-08-01 contract): the record, now soft-deleted.
DELETE_200 = json.loads(r'''
{
    "phone_number": {
        "phone_number": "+18885550100",
        "virtual_line_id": 200,
        "network_id": 12345,
        "created_at": "2022-03-14T20:30:12.000Z",
        "deleted_at": "2022-04-14T20:30:12.000Z",
        "carrier_interface": "bandwidth",
        "enabled_at": null
    }
}''')

# DELETE /phone_numbers/{n} 404 (2022-08-01 contract).
DELETE_404 = json.loads(r'''
{
    "message": "Not Found - the requested phone number, +18885550100, is not in the system"
}''')

# POST /phone_numbers.json 200 (2022-05-01 schema): an empty object.
CREATE_2022_05_01_200 = json.loads(r'''
{}''')

# POST /phone_numbers.json 201 (2022-05-01 schema).
CREATE_2022_05_01_201 = json.loads(r'''
{
    "phone_number": {
        "virtual_line_id": 12345,
        "phone_number": "+12047147205",
        "network_id": 67890,
        "carrier_interface": "bandwidth",
        "created_at": "2022-03-14T20:30:12Z",
        "enabled_at": "2022-03-14T20:30:12Z",
        "deleted_at": null
    }
}''')

# 404 of a path without a valid version (2022-05-01 schema).
NO_VERSION_404 = {
    'message': "Not Found - the request '/no-version/blah' did not include a valid version. The request path must start "
               "with '/sms/YYYY-MM-DD'. Available versions are: 2022-05-01."
}

# Error bodies that the 2022-05-01 schema documents with the content type text/html although they are JSON.
# Kept as the exact text the server sends.

# 401 (2022-05-01 schema).
UNAUTHORIZED_401_TEXT = r'''{"message":"Unauthorized — Missing or malformed authorization request header for any SMS Messaging API contract."}'''

# 403 (2022-05-01 schema).
FORBIDDEN_403_TEXT = r'''{"message":"Forbidden"}'''

# 404 of the catch-all route, also what an unknown number gets (2022-05-01 schema).
NOT_FOUND_404_TEXT = r'''{"message":"Not Found — The request could not be completed due the requested object identifier being unknown to SMS Messaging."}'''

# 422 with an ``errors`` list (2022-05-01 schema).
UNPROCESSABLE_422_TEXT = r'''{"message":"Validation failed","errors":[{"resource":"Message","field":"virtual_line_id","code":"invalid"}]}'''

# 500 (2022-05-01 schema).
SERVER_ERROR_500_TEXT = r'''{"message":"divided by 0"}'''

# POST /messages 202 (2022-08-01 contract): "creates a message and forwards to kafka", a page of records.
SEND_2022_08_01_202 = json.loads(r'''
{
    "pagination": {
        "prev_url": "/sms/2022-08-01/messages?page=",
        "series": [
            "1"
        ],
        "in": 1,
        "scaffold_url": "/sms/2022-08-01/messages?page=__pagy_page__",
        "from": 1,
        "last_url": "/sms/2022-08-01/messages?page=1",
        "pages": 1,
        "count": 1,
        "last": 1,
        "first_url": "/sms/2022-08-01/messages?page=1",
        "items": 10,
        "next": null,
        "next_url": "/sms/2022-08-01/messages?page=",
        "to": 1,
        "prev": null,
        "page": 1,
        "page_url": "/sms/2022-08-01/messages?page=1"
    },
    "messages": [
        {
            "direction": "out",
            "from": "+18885550101",
            "uuid": "1aef6c85-10bc-4de8-8002-02e8d5b2235f",
            "delivery_reports": [],
            "text": "Your appointment is confirmed for Friday. Thank you.",
            "created_at": "2022-01-31T23:50:00.000Z",
            "to": "+18885550100",
            "cuid": "3E83-592C1B19171B",
            "deleted_at": null
        }
    ]
}''')

# POST /messages.json 200 (2022-05-01 schema): "handles pushing OutgoingSmsKafkaMessage", an empty object.
SEND_2022_05_01_200 = json.loads(r'''
{}''')

# GET or DELETE /messages/uuid/{uuid} 404 (2022-08-01 contract).
MESSAGE_404 = json.loads(r'''
{
    "message": "Not Found - Could not find any messages for the requested uuid"
}''')

# GET /messages/phone_number/{n} 404 (2022-08-01 contract): the number has no messages.
MESSAGES_OF_NUMBER_404 = json.loads(r'''
{
    "message": "Not Found - Could not find any messages for the requested phone number"
}''')

# 400 to a body that is not one object (2022-05-01 schema, /parsed_request_body.json).
NOT_A_HASH_400_TEXT = r'''{"message":"The request body you provide must be a JSON hash"}'''
