#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_message_info
short_description: Get, list or count the SMS messages of an Invoca network, and a number's usage
version_added: 2.0.0
description:
  - Reads SMS messages through the Invoca SMS Messaging API. Never changes anything.
  - With O(uuid), gets that one message and its delivery reports (an empty list when the API does not know it).
  - With O(phone_number), lists the messages of that number (sent from it or to it). With O(usage=true) as well,
    returns the number's usage counts instead.
  - Otherwise lists the messages of the network, following the API's pagination to the last page (or to
    O(max_records)), optionally filtered and sorted. Both pagination dialects of the API are followed.
  - With O(count_only=true), returns only how many messages match.
  - Every message returned carries a C(status) added by this module, because the API has no documented status
    field (its C(progress_bit) is not explained and contradicts itself in the examples). V(delivered) when
    C(delivered_at) is set, V(failed) when C(failed_at) or a carrier error code is set, else V(pending).
  - Soft-deleted messages (C(deleted_at) set) are left out unless O(include_deleted=true).
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
  uuid:
    description:
      - Get this one message, by the C(uuid) the API gave it (as in C(sent[].uuid) of M(invoca.messaging.sms_message)).
      - Cannot be combined with O(phone_number), O(filters), O(sort), O(max_records), O(count_only=true) or
        O(usage=true).
    type: str
  phone_number:
    description:
      - List the messages of this number, in E.164 form such as V(+18885550100). Spaces, dashes, dots and
        parentheses are ignored.
      - Quote it in YAML, as in V("+18885550100"); unquoted, YAML reads it as a number, which the module refuses.
      - The API does not say whether this matches the sender, the recipient or both; its simulator matches both.
    type: str
  usage:
    description:
      - With O(phone_number), return RV(usage), the number's counts of outgoing and incoming messages and
        segments, instead of its messages.
      - The API does not say which period the counts cover.
    type: bool
    default: false
  count_only:
    description:
      - Return only RV(count), the number of matching messages, without listing them.
      - The API has no count endpoint for messages; the total announced by a one-record list page is used.
    type: bool
    default: false
  filters:
    description:
      - Filters on message fields, as a dictionary of field name to a dictionary of operator to value.
      - Operators are V(eq), V(lte), V(gte) (with a string or number) and V(empty) (with V(true), meaning the
        field is null, 0 or an empty string). They are sent as C(field[operator]=value); several filters must
        all match.
      - Values of the C(from) and C(to) fields are phone numbers and are normalised to E.164 first.
      - Which fields can be filtered is up to the API (for example C(from), C(to), C(direction), C(created_at),
        C(delivered_at)); it answers with an error naming the supported ones.
      - The API documents that a listing without a C(created_at) filter covers only the current day; unless
        O(filters) has a C(created_at) condition, this module asks for every message since 1970.
    type: dict
  sort:
    description:
      - Sort order, as C(field:asc) or C(field:desc) (one field only), for example V(created_at:desc).
      - The API documents both ascending and descending C(created_at) as its default; set it when the order
        matters.
    type: str
  include_deleted:
    description:
      - Include soft-deleted messages (those with C(deleted_at) set).
      - When V(false), the request filters with C(deleted_at[empty]) and soft-deleted records are dropped from
        the answer, unless O(filters) has a C(deleted_at) condition, which then decides alone.
      - With O(uuid), a soft-deleted message is returned all the same, as it was asked for by name.
    type: bool
    default: false
notes:
  - The API accepts a message with 202 and delivers it asynchronously, so a message just sent may take a moment
    to appear in a listing, and its status moves from V(pending) to V(delivered) or V(failed) later.
seealso:
  - module: invoca.messaging.sms_message
  - module: invoca.messaging.sms_phone_number_info
"""

EXAMPLES = r"""
- name: Get the last message a number sent, by its uuid, and fail unless it was delivered (token and URL from the environment)
  block:
    - name: Find the last message sent from the number
      invoca.messaging.sms_message_info:
        filters:
          from:
            eq: "+18885550100"
          direction:
            eq: out
        sort: created_at:desc
        max_records: 1
      register: last_sent

    - name: Get it and its delivery reports by its uuid (as in sent[].uuid of invoca.messaging.sms_message)
      invoca.messaging.sms_message_info:
        uuid: "{{ last_sent.messages[0].uuid }}"
      register: one

    - name: Fail unless it was delivered
      ansible.builtin.assert:
        that: one.messages[0].status == 'delivered'

- name: The messages of one number, newest first
  invoca.messaging.sms_message_info:
    phone_number: "+18885550100"
    sort: created_at:desc
    max_records: 20
  register: recent

- name: Usage of one number
  invoca.messaging.sms_message_info:
    phone_number: "+18885550100"
    usage: true
  register: number_usage

- name: Who a number's messages of November 2022 did not reach
  block:
    - name: Get the messages sent from the number in November 2022
      invoca.messaging.sms_message_info:
        filters:
          from:
            eq: "+18885550100"
          direction:
            eq: out
          created_at:
            gte: "2022-11-01T00:00:00.000Z"
            lte: "2022-11-30T23:59:59.999Z"
      register: november

    - name: List the recipients of the failed ones
      ansible.builtin.debug:
        msg: "{{ november.messages | selectattr('status', 'equalto', 'failed') | map(attribute='to') | list }}"

- name: Count every message, soft-deleted ones too
  invoca.messaging.sms_message_info:
    count_only: true
    include_deleted: true
"""

RETURN = r"""
messages:
  description:
    - The messages found, in the API's order, each with a C(status) added by this module (V(delivered),
      V(failed) or V(pending)).
    - Empty when O(uuid) is not known to the API, when O(phone_number) has no messages, with O(usage=true) and
      with O(count_only=true).
    - Records of a listing may carry fewer fields than the record of one message; records of API version
      2022-05-01 have no C(text), and their C(direction) is C(outbound) or C(inbound).
    - Not returned by a failed task, which returns only C(msg) and C(error), so that a failure cannot be read
      as "no messages".
  returned: success
  type: list
  elements: dict
  sample:
    - uuid: 0536c12f-7399-4786-8682-bce652e75655
      cuid: 5D1A-6C2E0B4F9A11
      from: "+18885550100"
      to: "+18885550111"
      text: The deploy finished.
      direction: out
      created_at: "2022-11-03T23:59:00.000Z"
      delivered_at: "2022-11-03T23:59:02.000Z"
      failed_at: null
      deleted_at: null
      segments: 1
      delivery_reports:
        - uuid: 1aef6c85-10bc-4de8-8002-02e8d5b2235f
          progress_bit: 1
          created_at: "2022-11-03T23:59:02.000Z"
      status: delivered
delivery_reports:
  description:
    - With O(uuid), the delivery reports of that message, oldest first, each with the fields of its own record
      (C(destination), C(carrier_description), C(carrier_errorcode)) where the API gives them.
    - Empty otherwise.
  returned: success
  type: list
  elements: dict
  sample:
    - uuid: 1aef6c85-10bc-4de8-8002-02e8d5b2235f
      progress_bit: 1
      created_at: "2022-11-03T23:59:02.000Z"
      destination: "+18885550111"
      carrier_description: Message delivered to carrier.
      carrier_errorcode: null
usage:
  description:
    - With O(usage=true), the counts of the number, as the API gives them.
    - V(null) otherwise, and when the API does not know the number.
  returned: success
  type: dict
  sample:
    phone_number: "+18885550100"
    outgoing:
      messages: 12
      segments: 14
    incoming:
      messages: 3
      segments: 3
count:
  description:
    - With O(count_only=true), how many messages match, as the API counts them.
    - Otherwise the number of records in RV(messages).
    - Not returned by a failed task, so that a failure cannot be read as "no messages".
  returned: success
  type: int
  sample: 1
truncated:
  description:
    - Whether the listing stopped at O(max_records) while the API had more messages.
  returned: success
  type: bool
  sample: false
"""

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.query import InvalidQuery, wants_deleted
from ansible_collections.invoca.messaging.plugins.module_utils._messages.client import MessageClient
from ansible_collections.invoca.messaging.plugins.module_utils._messages.query import message_query
from ansible_collections.invoca.messaging.plugins.module_utils._messages.records import (
    InvalidMessageId,
    check_message_id,
    delivery_status,
)
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import (
    InvalidPhoneNumber,
    normalize_phone_number,
)
from ansible_collections.invoca.messaging.plugins.module_utils._sms_module import (
    SmsApiModule,
    listing_argument_spec,
    listing_option_problem,
)


def with_status(record):
    return dict(record, status=delivery_status(record))


def main():
    module = SmsApiModule(
        argument_spec=dict(
            uuid=dict(type='str'),
            phone_number=dict(type='str'),
            usage=dict(type='bool', default=False),
            count_only=dict(type='bool', default=False),
            filters=dict(type='dict'),
            sort=dict(type='str'),
            include_deleted=dict(type='bool', default=False),
            **listing_argument_spec()
        ),
        mutually_exclusive=[('uuid', 'phone_number'), ('uuid', 'filters'), ('uuid', 'sort'), ('uuid', 'max_records')],
        supports_check_mode=True,
    )
    params = module.params
    # A failure returns msg (and error) only: an empty messages list or a count of 0 could be read as "none".
    # Checked here rather than in mutually_exclusive/required_by, which would also refuse an explicit false.
    if params['uuid'] is not None and (params['count_only'] or params['usage']):
        module.fail_json(msg='uuid cannot be used with count_only or usage: one message is counted by the length of '
                             'messages')
    if params['usage'] and params['phone_number'] is None:
        module.fail_json(msg='usage: true needs phone_number, the number whose usage to read')
    if params['usage'] and params['count_only']:
        module.fail_json(msg='usage and count_only cannot be used together: usage already holds counts')
    if params['usage'] and (params['filters'] or params['sort'] or params['max_records'] is not None):
        module.fail_json(msg='usage: true reads counts, which take no filters, sort or max_records')
    if listing_option_problem(params):
        module.fail_json(msg=listing_option_problem(params))
    try:
        uuid = check_message_id(params['uuid'].strip()) if params['uuid'] is not None else None
        number = (normalize_phone_number(module.as_given('phone_number', params['phone_number']))
                  if params['phone_number'] is not None else None)
        query = message_query(params['filters'], params['sort'], params['include_deleted'])
    except (InvalidMessageId, InvalidPhoneNumber, InvalidQuery) as exc:
        module.fail_json(msg=str(exc))
    include_deleted = wants_deleted(params['filters'], params['include_deleted'])

    client = MessageClient(module.transport(pool_size=params['concurrency']))
    result = dict(changed=False, messages=[], delivery_reports=[], usage=None, count=0, truncated=False)
    try:
        if uuid is not None:
            found = client.get(uuid)
            if found is not None:
                result['messages'] = [with_status(found)]
                result['delivery_reports'] = client.detailed_delivery_reports(uuid)
            result['count'] = len(result['messages'])
            summary = ('message %s: %s' % (uuid, result['messages'][0]['status']) if found is not None
                       else 'message %s is not known to the API' % uuid)
        elif params['usage']:
            result['usage'] = client.usage(number)
            summary = ('usage of %s read' % number if result['usage'] is not None
                       else '%s is not known to the API: no usage' % number)
        elif params['count_only']:
            result['count'] = client.count(query, number)
            summary = '%d message(s) match' % result['count']
        else:
            if number is not None:
                listing = client.by_number(number, query, max_records=params['max_records'], page_size=params['limit'])
            else:
                listing = client.listing(query, max_records=params['max_records'], page_size=params['limit'])
            result['messages'] = [with_status(record) for record in listing
                                  if include_deleted or record.get('deleted_at') in (None, '')]
            result['count'] = len(result['messages'])
            result['truncated'] = bool(listing.truncated)
            summary = '%d message(s)%s%s' % (result['count'], ' of %s' % number if number else '',
                                             ', more left (max_records)' if result['truncated'] else '')
    except ApiError as exc:
        module.fail_api(exc)
    finally:
        client.close()
    module.exit_json(msg=summary, **result)


if __name__ == '__main__':
    main()
