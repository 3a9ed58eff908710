#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_phone_number_info
short_description: Get, list or count the SMS-enabled phone numbers of an Invoca network
version_added: 1.0.0
description:
  - Reads SMS-enabled phone numbers through the Invoca SMS Messaging API. Never changes anything.
  - With O(phone_number), gets that one number (an empty list when the API does not know it).
  - Otherwise lists the numbers, following the API's pagination to the last page (or to O(max_records)),
    optionally filtered and sorted.
  - With O(count_only=true), returns only how many numbers match.
  - Soft-deleted numbers (C(deleted_at) set) are left out unless O(include_deleted=true).
author:
  - Invoca Messaging Collection Maintainers (@invoca)
extends_documentation_fragment:
  - invoca.messaging.api
  - invoca.messaging.api.module
  - invoca.messaging.listing
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Reads the same way in check mode; it never writes.
  diff_mode:
    support: N/A
    details: Never changes anything.
options:
  phone_number:
    description:
      - Get this one number, in E.164 form such as V(+18885550100). Spaces, dashes, dots and parentheses are
        ignored.
      - Quote it in YAML, as in V("+18885550100"); unquoted, YAML reads it as a number, which the module refuses.
      - Cannot be combined with O(count_only=true), O(filters), O(sort) or O(max_records).
    type: str
  count_only:
    description:
      - Return only RV(count), the number of matching numbers, without listing them.
      - Uses C(GET /phone_numbers/count); where the server has no such endpoint, the total of a one-record list
        page is used instead.
    type: bool
    default: false
  filters:
    description:
      - Filters on record fields, as a dictionary of field name to a dictionary of operator to value.
      - Operators are V(eq), V(lte), V(gte) (with a string or number) and V(empty) (with V(true), meaning the
        field is null, 0 or an empty string). They are sent as C(field[operator]=value); several filters must
        all match.
      - Which fields can be filtered is up to the API (for example C(created_at), C(phone_number),
        C(carrier_interface)); it answers with an error naming the supported ones.
    type: dict
  sort:
    description:
      - Sort order, as C(field:asc) or C(field:desc) (one field only), for example V(created_at:desc).
      - The API sorts by C(created_at:asc) when not set.
    type: str
  include_deleted:
    description:
      - Include soft-deleted numbers (those with C(deleted_at) set).
      - When V(false), the request filters with C(deleted_at[empty]) and soft-deleted records are dropped from
        the answer, unless O(filters) has a C(deleted_at) condition, which then decides alone.
    type: bool
    default: false
seealso:
  - module: invoca.messaging.sms_phone_number
"""

EXAMPLES = r"""
- name: Get one number, fail when it is not SMS-enabled (the token and URL come from INVOCA_API_TOKEN and INVOCA_API_URL)
  block:
    - name: Get the number
      invoca.messaging.sms_phone_number_info:
        phone_number: "+18885550100"
      register: one

    - name: Fail when the number is not SMS-enabled
      ansible.builtin.assert:
        that: one.phone_numbers | length == 1

    - name: Print what was found
      ansible.builtin.debug:
        msg: "{{ one.msg }}"

- name: List every SMS-enabled number of the network
  invoca.messaging.sms_phone_number_info:
  register: all_numbers

- name: Count them
  invoca.messaging.sms_phone_number_info:
    count_only: true
  register: how_many

- name: The 10 most recent numbers created in November 2022
  invoca.messaging.sms_phone_number_info:
    filters:
      created_at:
        gte: "2022-11-01T00:00:00.000Z"
        lte: "2022-11-30T23:59:59.999Z"
    sort: created_at:desc
    max_records: 10
  register: recent

- name: Soft-deleted numbers too
  invoca.messaging.sms_phone_number_info:
    include_deleted: true
"""

RETURN = r"""
phone_numbers:
  description:
    - The records found, in the API's order. Empty when O(phone_number) is not known to the API, and with
      O(count_only=true).
    - Records of a listing may carry fewer fields than the record of one number.
  returned: success
  type: list
  elements: dict
  sample:
    - phone_number: "+18885550100"
      virtual_line_id: 197
      network_id: 12345
      created_at: "2022-03-14T20:30:12.000Z"
      enabled_at: null
      deleted_at: null
      carrier_interface: bandwidth
count:
  description:
    - With O(count_only=true), how many numbers match, as the API counts them.
    - Otherwise the number of records in RV(phone_numbers).
    - Not returned by a failed task, so that a failure cannot be read as "no numbers".
  returned: success
  type: int
  sample: 1
truncated:
  description:
    - V(true) when the listing stopped at O(max_records) before the last record; V(false) otherwise.
  returned: success
  type: bool
  sample: false
msg:
  description: What was found, in a few words, such as V(returned 3 records) or V(counted 12 numbers).
  returned: success
  type: str
  sample: returned 3 records
"""

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.query import InvalidQuery, wants_deleted
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import (
    InvalidPhoneNumber,
    is_active,
    normalize_phone_number,
)
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.query import number_query
from ansible_collections.invoca.messaging.plugins.module_utils._sms_module import (
    SmsApiModule,
    listing_argument_spec,
    listing_option_problem,
)


def main():
    module = SmsApiModule(
        argument_spec=dict(
            phone_number=dict(type='str'),
            count_only=dict(type='bool', default=False),
            filters=dict(type='dict'),
            sort=dict(type='str'),
            include_deleted=dict(type='bool', default=False),
            **listing_argument_spec()
        ),
        mutually_exclusive=[('phone_number', 'filters'), ('phone_number', 'sort'), ('phone_number', 'max_records')],
        supports_check_mode=True,
    )
    params = module.params
    # Checked here rather than in mutually_exclusive, which would also refuse an explicit count_only: false.
    if params['phone_number'] is not None and params['count_only']:
        module.fail_json(msg='phone_number and count_only cannot be used together: a single number is counted by '
                             'the length of phone_numbers')
    if listing_option_problem(params):
        module.fail_json(msg=listing_option_problem(params))
    try:
        number = (normalize_phone_number(module.as_given('phone_number', params['phone_number']))
                  if params['phone_number'] is not None else None)
        query = number_query(params['filters'], params['sort'], params['include_deleted'])
    except (InvalidPhoneNumber, InvalidQuery) as exc:
        module.fail_json(msg=str(exc))

    client = module.phone_number_client(pool_size=params['concurrency'])
    try:
        if params['count_only']:
            count = client.count(query)
            module.exit_json(changed=False, phone_numbers=[], count=count, truncated=False,
                             msg='counted %d number%s' % (count, '' if count == 1 else 's'))
        include_deleted = wants_deleted(params['filters'], params['include_deleted'])
        if number is not None:
            found = client.get(number)
            kept, truncated = take([found] if found is not None else [], include_deleted, None)
        else:
            kept, truncated = take_listing(client, query, params['limit'], include_deleted, params['max_records'])
    except ApiError as exc:
        # No phone_numbers or count: an empty list on a failed task could be mistaken for "none".
        module.fail_api(exc)
    finally:
        client.close()
    msg = 'returned %d record%s' % (len(kept), '' if len(kept) == 1 else 's')
    if truncated:
        msg += ' (stopped at max_records; more exist)'
    module.exit_json(changed=False, phone_numbers=kept, count=len(kept), truncated=truncated, msg=msg)


def take_listing(client, query, limit, include_deleted, max_records):
    """(records kept, truncated) of a listing; the client's Listing asks no page for more than is still wanted."""
    listing = client.listing(query, max_records=max_records, page_size=limit)
    kept = [record for record in listing if include_deleted or is_active(record)]
    return kept, listing.truncated


def take(records, include_deleted, max_records):
    """(records kept, truncated) of records already in hand."""
    kept = [record for record in records if include_deleted or is_active(record)]
    if max_records is not None and len(kept) > max_records:
        return kept[:max_records], True
    return kept, False


if __name__ == '__main__':
    main()
