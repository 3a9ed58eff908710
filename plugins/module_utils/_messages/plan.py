# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Who a send goes to: segment counting, the recipient list, and the dedupe of recent identical messages.

Internal use only: not a public API of the collection, and it may change in any release.

Pure functions, no requests and no Ansible, so check mode and a real run plan alike.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from collections import namedtuple

# GSM 03.38: the basic set (one septet each) and the extension set (escape + one septet, so two).
GSM7_BASIC = frozenset(u'@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5\u0394_\u03a6\u0393'
                       u'\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u00c6\u00e6\u00df\u00c9 !"#\u00a4%&\'()*+,-./'
                       u'0123456789:;<=>?\u00a1ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7\u00bf'
                       u'abcdefghijklmnopqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0')
GSM7_EXTENSION = frozenset(u'\f^{}\\[~]|\u20ac')

SendPlan = namedtuple('SendPlan', ['send', 'skipped'])
SendPlan.__doc__ = """Recipients to send to, and recipients skipped because they already received the text."""


def segment_count(text):
    """(segments, encoding) of an SMS text as a carrier splits it.

    GSM-7 when every character is in the GSM 03.38 set: 160 septets in one segment, else 153 per segment (an
    extension character takes two septets and is never split). Otherwise UCS-2: 70 UTF-16 code units in one
    segment, else 67 per segment (a character outside the BMP takes two and is never split).
    """
    if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text):
        sizes = [2 if char in GSM7_EXTENSION else 1 for char in text]
        single, multi, encoding = 160, 153, 'GSM-7'
    else:
        sizes = [2 if ord(char) > 0xFFFF else 1 for char in text]
        single, multi, encoding = 70, 67, 'UCS-2'
    if sum(sizes) <= single:
        return (1 if sizes else 0), encoding
    segments, used = 1, 0
    for size in sizes:
        if used + size > multi:
            segments += 1
            used = 0
        used += size
    return segments, encoding


# What an SMS backend may have made of a text's quotes and apostrophes: typographic ones back to ASCII.
_TYPOGRAPHIC = {ord(u'\u2018'): u"'", ord(u'\u2019'): u"'", ord(u'\u201a'): u"'", ord(u'\u2032'): u"'",
                ord(u'\u201c'): u'"', ord(u'\u201d'): u'"', ord(u'\u201e'): u'"', ord(u'\u2033'): u'"'}


def normalize_text(text):
    """A message text as compared with another: typographic quotes as ASCII ones, every run of white space (line
    endings included) as one space, surrounding white space removed.

    The API may store a text rewritten that way (trimmed, quotes made "smart"), so an exact comparison would never
    match the message it stored for us.
    """
    if not isinstance(text, str):
        return None
    return u' '.join(text.translate(_TYPOGRAPHIC).split())


def same_text(stored, text):
    """Whether a stored record's text is ``text``, up to what normalize_text forgives."""
    stored = normalize_text(stored)
    return stored is not None and stored == normalize_text(text)


def failed_at_carrier(record):
    """Whether a record says its delivery failed: failed_at, or a carrier error on it or its newest report."""
    if record.get('failed_at') or record.get('carrier_errorcode') is not None or \
            record.get('carrier_error_code') is not None:
        return True
    reports = record.get('delivery_reports')
    if isinstance(reports, list):
        dated = [report for report in reports if isinstance(report, dict)]
        if dated and dated[-1].get('carrier_errorcode') is not None:
            return True
    return False


def copy_counts(record):
    """Whether a stored copy of a text counts as received, for the dedupe: True when delivered (to the carrier) or
    still pending, False when it failed at the carrier or was deleted before any delivery, None when the record
    shows no outcome at all (list items of the 2022-08-01 contract carry neither delivered_at nor failed_at): then
    the message's own record decides.
    """
    if failed_at_carrier(record):
        return False
    if record.get('delivered_at'):
        return True
    if 'delivered_at' not in record and 'failed_at' not in record:
        # Before deleted_at is judged: a list item of a copy deleted after its delivery shows deleted_at alone.
        return None
    if record.get('deleted_at'):
        return False
    return True


def plan_send(recipients, received):
    """A SendPlan: ``recipients`` (E.164, no repeats, in order) minus those in ``received``."""
    return SendPlan(send=[number for number in recipients if number not in received],
                    skipped=[number for number in recipients if number in received])


# Why a recipient is skipped, as the diff says it; a reason not named here is shown as given.
_SKIP_WORDING = {
    'already received': 'already received this text from %(sender)s within dedupe_window (%(window)d s)',
    'excluded': 'on exclude_numbers',
}


def send_diff(sender, text, recipients, send, reasons, dedupe_window=0):
    """The --diff of a send: one line per recipient, in the task's order, saying who gets which text and who is
    skipped and why.

    Made from the plan, before anything is sent, so check mode and a real run show the same lines. ``reasons``
    maps each skipped recipient to its reason ('already received', 'excluded'); a recipient neither sent to nor
    in ``reasons`` is shown as skipped. Returned as Ansible's ``prepared`` diff: printed as it is, one line each.
    """
    sending = set(send)
    quoted = json.dumps(text, ensure_ascii=False)
    lines = []
    for recipient in recipients:
        if recipient in sending:
            lines.append('+ %s: send %s from %s' % (recipient, quoted, sender))
        else:
            reason = reasons.get(recipient, 'already received')
            wording = (_SKIP_WORDING[reason] % {'sender': sender, 'window': dedupe_window or 0}
                       if reason in _SKIP_WORDING else reason)
            lines.append('- %s: skip, %s' % (recipient, wording))
    return {'prepared': '\n'.join(lines)}
