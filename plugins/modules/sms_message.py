#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: sms_message
short_description: Send an SMS message from an Invoca number to a list of recipients, exactly once
version_added: 2.0.0
description:
  - Sends one text from one SMS number of an Invoca network to one or more recipients, through the Invoca SMS
    Messaging API, and optionally waits until each message is delivered or has failed.
  - Checks every option, and that O(from_number) is an active number of the network, before anything is sent.
  - One request per recipient, O(concurrency) at a time. A failure for one recipient does not stop the others;
    the task fails at the end, listing every failure, and what was sent is always in the result.
  - B(At most once per recipient within a run.) Sending is not idempotent, the API has no idempotency key, and it
    stores messages through a queue, so a message can show in its listings seconds after its send was answered,
    or after a gateway gave up on it. A message is sent again only when the failure proves the request never
    reached the API (a refused connection, a name that does not resolve, a TLS handshake failure, HTTP 429, or a
    400/422 refusal). Any 2xx answer (also C({}), an empty body or a page of other messages) and a C(303 See Other)
    count as acceptance, and the recipient is in RV(sent), with the message's uuid when the answer names it and V(null)
    otherwise.
  - After any other failure (no answer, a reset, a timeout after the request was written, HTTP 5xx, a gateway
    504, a redirect) the module looks the message up among the outgoing messages of O(from_number) created since
    just before the task (by the API's clock, less two minutes), which must be to that recipient and carry the
    same text (up to white space and typographic quotes). Found, it counts as sent; not found, the recipient is
    reported with RV(failures[].outcome=unknown) and is never sent again in this run. With
    O(api_version=2022-05-01), whose records show no text, a look-up can only prove a message absent, never
    present, so the outcome is V(unknown) either way.
  - B(Finishing a run with unknowns.) Rerun the same task with O(dedupe_window) covering the first run, once
    the API has had time to store what it accepted (a minute is plenty); recipients whose copy arrived are
    skipped, and only those whose copy never reached the API are sent to. This completes the job without a
    second text.
  - C(changed) is true when a message was sent, or may have been (an V(unknown) outcome), so that a change is
    never hidden.
  - O(dedupe_window) skips recipients that already have the same text from the same number, delivered or still
    pending, so a rerun of a notification play does not notify twice; a copy that failed at the carrier, or was
    deleted before any delivery, does not count, so the rerun reaches exactly those recipients.
  - O(state=absent) soft-deletes one message by O(uuid).
author:
  - Invoca Messaging Collection Maintainers (@invoca)
extends_documentation_fragment:
  - invoca.messaging.api
  - invoca.messaging.api.module
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details: Nothing is sent or deleted. The options and O(from_number) are checked, the O(dedupe_window) lookup
      runs, and RV(would_send) lists who would get the message; C(changed) is true when anyone would.
  diff_mode:
    support: full
    details: >-
      With O(state=present), one line per recipient, in the order of O(to_numbers), made before anything is sent,
      so check mode and a real run show the same lines. A recipient who gets the message shows as
      C(+ +15551230001: send "the text" from +18885550100); one who is skipped, as C(- +15551230002: skip,) and
      why (for example, already received within O(dedupe_window)). Nothing for O(state=absent).
options:
  from_number:
    description:
      - The sending number, in E.164 form such as V(+18885550100). It must be an active SMS number of the network.
      - Required with O(state=present).
    type: str
  to_numbers:
    description:
      - The recipients, in E.164 form. Spaces, dashes, dots and parentheses are ignored; repeats (after
        normalisation) get one message.
      - Every member is checked before anything is sent. Required with O(state=present).
    type: list
    elements: str
    aliases: [to]
  text:
    description:
      - The message. Must not be empty or only white space. Required with O(state=present).
    type: str
  exclude_numbers:
    description:
      - Numbers that must not be texted, such as an opt-out list kept by a rulebook (see the EDA guide). A
        recipient on it is not sent the message; it is listed in RV(skipped_recipients), and RV(skip_reasons) says
        why.
      - In E.164 form, normalised like O(to_numbers); every member is checked before anything is sent. An empty
        list excludes no one.
    type: list
    elements: str
    default: []
  max_recipients:
    description:
      - Refuse, before sending anything, a task with more recipients than this (after removing repeats).
    type: int
    default: 100
  max_segments:
    description:
      - Refuse, before sending anything, a text longer than this many SMS segments. A segment holds 160
        characters of the GSM 7-bit alphabet (153 when the text needs several), or 70 other characters (67).
    type: int
    default: 10
  concurrency:
    description:
      - Sends (and look-ups after an ambiguous failure) in flight at once, between 1 and 64.
    type: int
    default: 4
  wait:
    description:
      - Wait until every message sent is delivered (to the carrier) or has failed, up to O(wait_timeout).
      - The task fails if a message failed, is still pending, or is V(unknown) at the end; RV(delivery) says which.
        A message the API accepted without naming it is looked for in each round, by the same rule as after an
        unclear send; one never found is V(unknown).
      - Polls in rounds, after 1, 2, 4, 8, then every 10 seconds; so at most 5 + (O(wait_timeout) - 15) / 10
        rounds (rounded up), 34 for the default.
      - Each round reads the sender's recent messages with one listing (one more page per 500 messages). A message
        whose listed record shows no delivery report yet costs nothing more. A still-pending message whose listed
        record has a delivery report but neither C(delivered_at) nor C(failed_at) (list items of API 2022-08-01
        need not carry them) is read by uuid in that round, which normally settles it, so once. So a round costs
        at most its listing pages plus one request per still-pending message that has a delivery report.
      - Once per message, a failed message costs up to two more requests (its delivery reports, which alone hold
        the carrier's error); with O(api_version=2022-05-01), whose records carry no C(failed_at), a message with a
        delivery report costs one request for its newest report, whose carrier error code says whether it failed.
    type: bool
    default: false
  wait_timeout:
    description:
      - Wall-clock seconds to wait for delivery with O(wait=true). The deadline is checked before every request of
        a round, so the wait ends within this many seconds plus one request's O(timeout), reporting what is still
        pending.
    type: int
    default: 300
  dedupe_window:
    description:
      - Seconds. When above 0, a recipient that has the same text from O(from_number) created within this many
        seconds, delivered (to the carrier) or still pending, is skipped and listed in RV(skipped_recipients). A
        copy that failed at the carrier, or was deleted before any delivery, does not count. When the listing does
        not show a copy's outcome (list items of API 2022-08-01 need not), the message's own record is read.
      - The window ends at the later of this machine's clock and the API's (the C(Date) header of its answers,
        plus C(Age) when a cache answered), so neither a slow clock here nor a cached answer makes an old copy
        look recent.
      - This is how a run that reported V(unknown) outcomes is finished; see the description.
      - V(0) turns it off. With O(api_version=2022-05-01), whose message records carry no text, nothing is
        skipped.
    type: int
    default: 0
  state:
    description:
      - V(present) sends the message. V(absent) soft-deletes the message O(uuid).
    type: str
    choices: [present, absent]
    default: present
  uuid:
    description:
      - The message to delete, with O(state=absent).
    type: str
notes:
  - Sending a message costs money and reaches a person; use check mode to see who would get it.
seealso:
  - module: invoca.messaging.sms_message_info
  - module: invoca.messaging.sms_phone_number
"""

EXAMPLES = r"""
- name: Tell the on-call team the deploy finished
  invoca.messaging.sms_message:
    from_number: "+18885550100"
    to: ["+15551230001", "+1 555 123 0002"]
    text: "Deploy of release 2.0.0 finished"
    dedupe_window: 3600

- name: Notify the on-call team, except the numbers on an opt-out list (one a line; it may not exist yet)
  invoca.messaging.sms_message:
    from_number: "+18885550100"
    to: ["+15551230001", "+15551230002"]
    text: "Disk full on {{ inventory_hostname }}"
    exclude_numbers: "{{ (lookup('ansible.builtin.file', 'sms_opt_out.txt', errors='ignore') or '') | split }}"

- name: Send and wait until the carrier has it
  invoca.messaging.sms_message:
    from_number: "+18885550100"
    to_numbers:
      - "+15551230010"
      - "+15551230011"
    text: Your number is live.
    wait: true
    wait_timeout: 120
  register: notified

- name: Delete the last message a number sent to a customer (a message is deleted by its uuid)
  block:
    - name: Find the message
      invoca.messaging.sms_message_info:
        filters:
          from:
            eq: "+18885550100"
          to:
            eq: "+15551230010"
          direction:
            eq: out
        sort: created_at:desc
        max_records: 1
      register: last_sent

    - name: Delete it
      invoca.messaging.sms_message:
        state: absent
        uuid: "{{ last_sent.messages[0].uuid }}"
      when: last_sent.messages | length > 0
"""

RETURN = r"""
msg:
  description: A one-line summary of what the task did.
  returned: always
  type: str
  sample: "sent 2 message(s) from +18885550100; 1 recipient(s) skipped (already received within 3600 s)"
sent:
  description: One entry per recipient that was sent the message in this run (in check mode, none).
  returned: with O(state=present)
  type: list
  elements: dict
  contains:
    to:
      description: The recipient, in E.164.
      type: str
    uuid:
      description: The message's identifier, or V(null) when the API accepted the message without naming it.
      type: str
    created_at:
      description: When the API stored it, or V(null) when the answer did not say.
      type: str
  sample: [{"to": "+15551230001", "uuid": "7b1f0c1e-5d2a-4c55-9a43-0e5f3c1b9a01", "created_at": "2026-01-01T10:00:00.000Z"}]
would_send:
  description: The recipients a real run would send to.
  returned: in check mode, with O(state=present)
  type: list
  elements: str
  sample: ["+15551230001"]
skipped_recipients:
  description:
    - Recipients not sent to, because they are on O(exclude_numbers) or received the same text within
      O(dedupe_window). RV(skip_reasons) gives the reason of each.
  returned: with O(state=present)
  type: list
  elements: str
  sample: []
skip_reasons:
  description:
    - The reason each member of RV(skipped_recipients) was skipped, by number. V(excluded) when it is on
      O(exclude_numbers), V(already received) when it has the text within O(dedupe_window).
  returned: when a recipient was skipped
  type: dict
  sample: {"+15551230002": "excluded"}
failures:
  description:
    - One entry per recipient that was not (or not provably) sent the message. Empty when all went well.
  returned: with O(state=present)
  type: list
  elements: dict
  contains:
    to:
      description: The recipient.
      type: str
    status:
      description: The HTTP status of the last answer, or V(null) when there was none.
      type: int
    outcome:
      description:
        - V(failed) when the message was not sent (the API refused it, the request never reached it, or it was
          never attempted).
        - V(unknown) when it may have been sent; it was not sent again. Rerun with O(dedupe_window) to finish.
      type: str
      choices: [failed, unknown]
    message:
      description: What went wrong.
      type: str
  sample: [{"to": "+15551230002", "status": 500, "outcome": "unknown", "message": "POST /sms/2022-08-01/messages ..."}]
delivery:
  description: With O(wait=true), the delivery state of every message sent, in the order of RV(sent).
  returned: when O(wait=true) and not in check mode
  type: list
  elements: dict
  contains:
    uuid:
      description: The message.
      type: str
    to:
      description: The recipient.
      type: str
    status:
      description:
        - V(delivered) (to the carrier), V(failed), or V(pending) when O(wait_timeout) passed first.
        - V(unknown) for a message the API accepted without naming it and never showed in its listings.
      type: str
      choices: [delivered, failed, pending, unknown]
    delivered_at:
      description: When it was delivered, or V(null).
      type: str
    failed_at:
      description: When it failed, or V(null).
      type: str
    carrier_error_code:
      description: The carrier's error code of a failed message, or V(null).
      type: raw
    carrier_description:
      description: The carrier's description of a failed message, or V(null).
      type: str
  sample: [{"uuid": "7b1f0c1e-5d2a-4c55-9a43-0e5f3c1b9a01", "to": "+15551230001", "status": "delivered",
            "delivered_at": "2026-01-01T10:00:02.000Z", "failed_at": null, "carrier_error_code": null,
            "carrier_description": null}]
delivery_polls:
  description: How many rounds of polling the wait took.
  returned: when O(wait=true) and not in check mode
  type: int
  sample: 2
message:
  description: With O(state=absent), the message's record as the API answered; V(null) when it does not exist.
  returned: with O(state=absent)
  type: dict
  sample: {"uuid": "7b1f0c1e-5d2a-4c55-9a43-0e5f3c1b9a01", "deleted_at": "2026-01-01T10:05:00.000Z"}
retries:
  description: Requests that were retried, by cause, when any were.
  returned: when a request was retried
  type: dict
  sample: {"retries": 1, "causes": {"429": 1}, "waited": 1.0}
"""

import datetime

from ansible_collections.invoca.messaging.plugins.module_utils._api.errors import ApiError
from ansible_collections.invoca.messaging.plugins.module_utils._api.excerpts import excerpt
from ansible_collections.invoca.messaging.plugins.module_utils._messages.client import MessageClient
from ansible_collections.invoca.messaging.plugins.module_utils._messages.delivery import wait_for_delivery
from ansible_collections.invoca.messaging.plugins.module_utils._messages.plan import plan_send, segment_count, send_diff
from ansible_collections.invoca.messaging.plugins.module_utils._messages.records import (
    InvalidMessageId,
    check_message_id,
)
from ansible_collections.invoca.messaging.plugins.module_utils._messages.sending import (
    ExactlyOnceSender,
    dedupe_start,
    may_have_applied,
    received_copies,
    task_mark,
)
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.client import PhoneNumberClient
from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers.e164 import (
    InvalidPhoneNumber,
    is_active,
    normalize_phone_number,
    normalize_phone_numbers,
)
from ansible_collections.invoca.messaging.plugins.module_utils._sms_module import SmsApiModule
from ansible_collections.invoca.messaging.plugins.module_utils._workers import SEND_CONCURRENCY, WorkerPool, is_fatal


def check_options(module):
    """(sender, recipients) after every check that needs no request; fails the task otherwise."""
    params = module.params
    for name in ('from_number', 'to_numbers', 'text'):
        if params[name] is None:
            module.fail_json(msg='%s is required with state=present' % name)
    try:
        sender = normalize_phone_number(module.as_given('from_number', params['from_number']))
    except InvalidPhoneNumber as exc:
        module.fail_json(msg='from_number: %s' % exc)
    try:
        recipients = normalize_phone_numbers(module.members_as_given('to_numbers', params['to_numbers']))
    except InvalidPhoneNumber as exc:
        module.fail_json(msg='to_numbers: %s' % exc)
    if not recipients:
        module.fail_json(msg='to_numbers is empty: give at least one recipient such as +15551230001')
    if not params['text'].strip():
        module.fail_json(msg='text is empty: give the message to send')
    if params['max_recipients'] < 1:
        module.fail_json(msg='max_recipients must be 1 or more, got %d' % params['max_recipients'])
    if len(recipients) > params['max_recipients']:
        module.fail_json(msg='refusing to send to %d recipients: more than max_recipients (%d). Nothing was sent; '
                             'raise max_recipients if this is intended' % (len(recipients), params['max_recipients']))
    if params['max_segments'] < 1:
        module.fail_json(msg='max_segments must be 1 or more, got %d' % params['max_segments'])
    segments, encoding = segment_count(params['text'])
    if segments > params['max_segments']:
        module.fail_json(msg='refusing to send a text of %d characters: it takes %d SMS segments in %s, more than '
                             'max_segments (%d). Nothing was sent' % (len(params['text']), segments, encoding,
                                                                      params['max_segments']))
    if params['wait_timeout'] < 1:
        module.fail_json(msg='wait_timeout must be 1 or more seconds, got %d' % params['wait_timeout'])
    if params['dedupe_window'] < 0:
        module.fail_json(msg='dedupe_window must be 0 (off) or more seconds, got %d' % params['dedupe_window'])
    if sender in recipients:
        module.fail_json(msg='to_numbers includes from_number %s: a number cannot send to itself' % sender)
    return sender, recipients


def excluded_numbers(module):
    """The E.164 numbers of exclude_numbers; fails the task, before anything is sent, on one that is not a number."""
    try:
        return set(normalize_phone_numbers(module.members_as_given('exclude_numbers', module.params['exclude_numbers'] or [])))
    except InvalidPhoneNumber as exc:
        module.fail_json(msg='exclude_numbers: %s; nothing was sent' % exc)


def check_sender(module, transport, sender, result):
    try:
        record = PhoneNumberClient(transport).get(sender)
    except ApiError as exc:
        module.fail_api(exc, **result)
    if record is None or not is_active(record):
        module.fail_json(msg='from_number %s is not an active SMS number of this network (%s); nothing was sent'
                             % (sender, 'it is unknown' if record is None else 'it is soft-deleted'), **result)


def received_recently(module, client, transport, sender, recipients, result):
    """Recipients that have the text from ``sender`` within dedupe_window (delivered or pending), read from the API."""
    window = module.params['dedupe_window']
    if not window:
        return set()
    since = dedupe_start(window, transport.server_now(), datetime.datetime.now(datetime.timezone.utc))
    try:
        return received_copies(client, sender, module.params['text'], recipients, since)
    except ApiError as exc:
        module.fail_api(exc, **result)


def failure_entry(recipient, error, outcome):
    return {'to': recipient, 'status': error.status, 'outcome': outcome, 'message': str(error)}


def send_all(module, client, transport, sender, recipients, result):
    """Send to every recipient; fills result['sent'] and result['failures']. Returns the ExactlyOnceSender."""
    params = module.params
    once = ExactlyOnceSender(client, sender, params['text'], recipients)
    try:
        once.prepare(task_mark(transport.server_now(), datetime.datetime.now(datetime.timezone.utc)))
    except ApiError as exc:
        module.fail_api(exc, **result)

    def send_one(recipient):
        outcome = once.send(recipient)
        if outcome.state == 'failed' and is_fatal(outcome.error):
            raise outcome.error
        return outcome

    # write=True: an exception no one foresaw comes back marked may_have_applied.
    for recipient, outcome, error in WorkerPool(params['concurrency']).map(send_one, recipients, write=True):
        if error is not None:
            # "failed" means not sent (a rerun sends it); anything that may have stored the message is "unknown".
            result['failures'].append(failure_entry(recipient, error, 'unknown' if may_have_applied(error)
                                                    else 'failed'))
        elif outcome.state == 'sent':
            record = outcome.record or {}
            result['sent'].append({'to': recipient, 'uuid': record.get('uuid'), 'created_at': record.get('created_at')})
            if outcome.extra_uuids:
                module.warn('the API holds more than one new message to %s with this text (%s); it was counted once'
                            % (recipient, ', '.join([record['uuid']] + outcome.extra_uuids)))
        else:
            result['failures'].append(failure_entry(recipient, outcome.error, outcome.state))
    return once


def wait_delivery(module, once, result):
    """Fills result['delivery'] and result['delivery_polls']; whatever goes wrong fails the task cleanly, with
    what was sent."""
    notes = []
    try:
        entries, rounds = wait_for_delivery(once, [(entry['to'], entry['uuid']) for entry in result['sent']],
                                            module.params['wait_timeout'], notes=notes)
    except ApiError as exc:
        module.fail_api(exc, **result)
    except Exception as exc:  # pylint: disable=broad-except
        # The messages are sent: a traceback here would lose result['sent'].
        module.fail_json(msg='%s; waiting for delivery failed unexpectedly (%s: %s): the messages were sent, their '
                             'delivery is unknown' % (summary(once.sender, result, False), type(exc).__name__,
                                                      excerpt(str(exc))), **result)
    for note in notes[:10]:
        module.warn(note)
    result['delivery'] = entries
    result['delivery_polls'] = rounds


def summary(sender, result, check_mode):
    parts = []
    if check_mode:
        parts.append('would send %d message(s) from %s' % (len(result['would_send']), sender))
    else:
        parts.append('sent %d message(s) from %s' % (len(result['sent']), sender))
    reasons = result.get('skip_reasons') or {}
    excluded = [number for number in result['skipped_recipients'] if reasons.get(number) == 'excluded']
    if excluded:
        parts.append('%d recipient(s) skipped (on exclude_numbers)' % len(excluded))
    if len(excluded) < len(result['skipped_recipients']):
        parts.append('%d recipient(s) skipped (already received the text)'
                     % (len(result['skipped_recipients']) - len(excluded)))
    failed = [f for f in result['failures'] if f['outcome'] == 'failed']
    unknown = [f for f in result['failures'] if f['outcome'] == 'unknown']
    if failed:
        parts.append('%d failed: %s' % (len(failed), ', '.join(f['to'] for f in failed)))
    if unknown:
        parts.append('%d unknown (may have been sent, not sent again): %s'
                     % (len(unknown), ', '.join(f['to'] for f in unknown)))
    if result.get('delivery'):
        counts = {}
        for entry in result['delivery']:
            counts[entry['status']] = counts.get(entry['status'], 0) + 1
        parts.append('delivery: %s' % ', '.join('%d %s' % (counts[s], s)
                                                for s in ('delivered', 'failed', 'pending', 'unknown') if s in counts))
    return '; '.join(parts)


def delete_message(module, client):
    try:
        message_uuid = check_message_id(module.params['uuid'])
    except InvalidMessageId as exc:
        module.fail_json(msg=str(exc))
    try:
        record = client.get(message_uuid)
        if record is None:
            module.exit_json(changed=False, message=None, msg='message %s does not exist' % message_uuid)
        if record.get('deleted_at'):
            module.exit_json(changed=False, message=record, msg='message %s is already deleted' % message_uuid)
        if module.check_mode:
            module.exit_json(changed=True, message=record, msg='would delete message %s' % message_uuid)
        deleted = client.delete(message_uuid)
        if deleted is None:
            # The API's "no such message" to a DELETE of a message it showed a moment ago: true only if it is gone.
            record = client.get(message_uuid)
            if record is not None and not record.get('deleted_at'):
                module.fail_json(msg='DELETE of message %s answered that it does not exist, yet the API still shows it '
                                     'undeleted: nothing was deleted' % message_uuid, changed=False, message=record)
    except ApiError as exc:
        module.fail_api(exc, changed=False)
    module.exit_json(changed=deleted is not None, message=deleted,
                     msg='deleted message %s' % message_uuid if deleted is not None
                     else 'message %s does not exist' % message_uuid)


def main():
    module = SmsApiModule(
        argument_spec=dict(
            from_number=dict(type='str'),
            to_numbers=dict(type='list', elements='str', aliases=['to']),
            text=dict(type='str'),
            max_recipients=dict(type='int', default=100),
            max_segments=dict(type='int', default=10),
            concurrency=dict(type='int', default=SEND_CONCURRENCY),
            wait=dict(type='bool', default=False),
            wait_timeout=dict(type='int', default=300),
            dedupe_window=dict(type='int', default=0),
            exclude_numbers=dict(type='list', elements='str', default=[]),
            state=dict(type='str', choices=['present', 'absent'], default='present'),
            uuid=dict(type='str'),
        ),
        required_if=[('state', 'absent', ['uuid']), ('state', 'present', ['from_number', 'to_numbers', 'text'])],
        supports_check_mode=True,
    )
    params = module.params
    if params['state'] == 'absent':
        client = MessageClient(module.transport())
        try:
            delete_message(module, client)
        finally:
            client.close()

    sender, recipients = check_options(module)
    excluded = excluded_numbers(module)
    result = dict(changed=False, sent=[], skipped_recipients=[], failures=[])
    transport = module.transport(pool_size=params['concurrency'])
    client = MessageClient(transport)
    try:
        check_sender(module, transport, sender, result)
        allowed = [number for number in recipients if number not in excluded]
        plan = plan_send(allowed, received_recently(module, client, transport, sender, allowed, result))
        result['skipped_recipients'] = [number for number in recipients if number in excluded or number in plan.skipped]
        if result['skipped_recipients']:
            result['skip_reasons'] = dict((number, 'excluded' if number in excluded else 'already received')
                                          for number in result['skipped_recipients'])
        if module._diff:
            # From the plan, before anything is sent: check mode and a real run show the same lines.
            result['diff'] = send_diff(sender, params['text'], recipients, plan.send, result.get('skip_reasons') or {},
                                       params['dedupe_window'])
        if module.check_mode:
            result.update(changed=bool(plan.send), would_send=plan.send)
            module.exit_json(msg=summary(sender, result, True), **result)
        once = send_all(module, client, transport, sender, plan.send, result)
        # An "unknown" send may have reached its recipient: a change is never hidden.
        result['changed'] = bool(result['sent']) or any(f['outcome'] == 'unknown' for f in result['failures'])
        if params['wait'] and result['sent']:
            wait_delivery(module, once, result)
        elif params['wait']:
            result.update(delivery=[], delivery_polls=0)
    finally:
        client.close()
    retries = transport.retry_summary()
    if retries:
        result['retries'] = retries
    msg = summary(sender, result, False)
    undelivered = [entry for entry in result.get('delivery', []) if entry['status'] != 'delivered']
    if result['failures'] or undelivered:
        module.fail_json(msg=msg, **result)
    module.exit_json(msg=msg, **result)


if __name__ == '__main__':
    main()
