# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""POST /messages: the body, its validation (all or nothing), the stored text, and the answer.

What the answer looks like is the ``send_answer`` setting; the messages are stored the same way in every mode.
"""

from __future__ import annotations

from .common import E164_RE, MSG_BAD_BODY, MSG_BAD_JSON, MSG_VALIDATION_FAILED, ApiError, Reply

# The contract's 202 example pages by 10.
SEND_PAGE_ITEMS = 10
# Before these, a straight quote opens; elsewhere it closes (an apostrophe is a closing single quote).
QUOTE_OPENERS = frozenset(' \t\n\r([{<-\u2013\u2014/\u2018\u201c')


def rewrite_text(text, mode):
    """The text a backend stores for a sent one: as given (none), trimmed (trim), or trimmed with typographic quotes
    (typographic: ' becomes \u2019, or \u2018 where it opens; " becomes \u201d, or \u201c where it opens)."""
    if mode == 'none':
        return text
    text = text.strip()
    if mode != 'typographic':
        return text
    result = []
    for char in text:
        opening = not result or result[-1] in QUOTE_OPENERS
        if char == "'":
            char = '\u2018' if opening else '\u2019'
        elif char == '"':
            char = '\u201c' if opening else '\u201d'
        result.append(char)
    return ''.join(result)


def _error(field, code):
    return {'resource': 'Message', 'field': field, 'code': code}


class SendingMixin:
    """Part of SimulatorState: the send endpoint. The caller holds the lock."""

    def _send_items(self, request, old_style=False):
        """The message requests of a POST body: a list of {to: [...], from, text} (2022-08-01) or one object (2022-05-01).

        With strict_send_body, 2022-05-01 takes one object only, as its schema documents (its examples are one object, and
        its body parser answers 400 "must be a JSON hash" to anything else).
        """
        kind, value = request['body_kind'], request['body_value']
        if kind in ('empty', 'invalid'):
            raise ApiError(400, MSG_BAD_JSON)
        if old_style and self.config.get('strict_send_body') and not isinstance(value, dict):
            raise ApiError(400, MSG_BAD_BODY)
        if isinstance(value, dict):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
            raise ApiError(400, MSG_BAD_BODY)
        return value

    def _validate_send(self, items):
        errors = []
        if not items:
            errors.append(_error('to', 'missing'))
        for item in items:
            sender = item.get('from')
            if sender is None or sender == '':
                errors.append(_error('from', 'missing'))
            elif not isinstance(sender, str) or not E164_RE.match(sender):
                errors.append(_error('from', 'invalid'))
            elif self.active_number(sender) is None:
                errors.append(_error('from', 'not_found'))
            recipients = item.get('to')
            if isinstance(recipients, str):
                recipients = [recipients]
            if recipients is None:
                errors.append(_error('to', 'missing'))
            elif not isinstance(recipients, list):
                errors.append(_error('to', 'invalid'))
            elif not recipients:
                errors.append(_error('to', 'blank'))
            elif not all(isinstance(number, str) and E164_RE.match(number) for number in recipients):
                errors.append(_error('to', 'invalid'))
            text = item.get('text')
            if text is None:
                errors.append(_error('text', 'missing'))
            elif not isinstance(text, str):
                errors.append(_error('text', 'invalid'))
            elif not text.strip():
                errors.append(_error('text', 'blank'))
        unique = []
        for error in errors:
            if error not in unique:
                unique.append(error)
        if unique:
            raise ApiError(422, MSG_VALIDATION_FAILED, errors=unique)

    def _send(self, request, route, apply, old_style):
        """All or nothing: every message request of the body is validated before any message is stored."""
        items = self._send_items(request, old_style)
        self._validate_send(items)
        rng_state = None if apply else self.message_rng.getstate()
        lag_ms = int(round(self.config['listing_lag_seconds'] * 1000))
        records = []
        for item in items:
            recipients = [item['to']] if isinstance(item['to'], str) else item['to']
            line = self.by_number[item['from']]
            for recipient in recipients:
                record = self._new_message(item['from'], recipient, rewrite_text(item['text'], self.config['text_rewrite']), 'out',
                                           line['virtual_line_id'], apply, offset_ms=len(records))
                if lag_ms:
                    record['listed_ms'] = record['created_ms'] + lag_ms
                if apply:
                    self._store_message(record)
                records.append(record)
        if rng_state is not None:
            self.message_rng.setstate(rng_state)
        return self._send_answer(request, route, old_style, records, items), apply

    def _send_answer(self, request, route, old_style, records, items):
        """The answer to a send that stored ``records``, as ``send_answer`` says."""
        mode = self.config['send_answer']
        if mode == 'empty_object':
            return Reply(200, {})
        if mode == 'empty':
            return Reply(202, raw=b'')
        if mode == 'see_other':
            return Reply(303, raw=b'', headers=[('Location', '/sms/%s/messages/uuid/%s' % (route.version, records[0]['uuid']))])
        if mode == 'other_page':
            # A normal-looking page of the senders' earlier (listed) messages, never the ones just stored.
            senders = {item['from'] for item in items}
            stored = {record['uuid'] for record in records}
            shown = [record for record in self._listed_messages()
                     if record['direction'] == 'out' and record['from'] in senders and record['uuid'] not in stored]
            shown.sort(key=lambda record: record['created_at'])
            page_size = SEND_PAGE_ITEMS
            rendered = [self._render_message(record, old_style, list_item=True) for record in shown[:page_size]]
        else:
            shown = records
            page_size = self.config['send_page_size'] or max(SEND_PAGE_ITEMS, len(records))
            rendered = [self._render_message(record, old_style) for record in records[:page_size]]
        return Reply(202, {
            'messages': rendered,
            self._pagination_key(old_style): self._pagy(request['path'], [], 1, None, page_size, len(shown), old_style),
        })
