# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Redaction of the API token from every text and data structure a task may show.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from urllib.parse import quote

REDACTED = '********'


class Redactor:
    """Removes the API token from any text: as given, stripped, repr-escaped, URL-encoded, whitespace-collapsed,
    and any piece of it of ``min_piece`` characters or more (a server may echo a cut-off token).

    One instance per token; every text that can reach a result, warning or message goes through ``redact``.
    """

    def __init__(self, secret, min_piece=8):
        self._min = min_piece
        forms = set()
        if isinstance(secret, str) and secret:
            for form in (secret, secret.strip(), repr(secret)[1:-1], repr(secret.strip())[1:-1],
                         ' '.join(secret.split()), quote(secret, safe=''), json.dumps(secret)[1:-1]):
                if form:
                    forms.add(form)
        self._whole = sorted(forms, key=len, reverse=True)
        self._pieces = self._pieces_of(forms)
        # JSON escapes character by character, so a piece of a form inside any string of a structure shows in the
        # structure's JSON text as (a window of) a piece of that form's escaped text: one search in C instead of a walk.
        escaped = set(json.dumps(form)[1:-1] for form in forms)
        self._escaped_needles = self._pieces_of(escaped) | set(form for form in escaped if len(form) < min_piece)

    def _pieces_of(self, forms):
        pieces = set()
        for form in forms:
            for start in range(0, max(0, len(form) - self._min) + 1):
                piece = form[start:start + self._min]
                if len(piece) == self._min:
                    pieces.add(piece)
        return pieces

    def redact(self, text):
        if not isinstance(text, str) or not self._whole:
            return text
        for form in self._whole:
            text = text.replace(form, REDACTED)
        if not self._pieces:
            return text
        covered = bytearray(len(text))
        for start in range(0, len(text) - self._min + 1):
            if text[start:start + self._min] in self._pieces:
                covered[start:start + self._min] = b'\x01' * self._min
        if not any(covered):
            return text
        out, index = [], 0
        while index < len(text):
            if covered[index]:
                while index < len(text) and covered[index]:
                    index += 1
                out.append(REDACTED)
            else:
                out.append(text[index])
                index += 1
        return ''.join(out)

    def redact_data(self, data):
        """``redact`` applied to every string of a JSON-like structure (keys included); ``data`` itself, not a copy,
        when its JSON text shows no piece of the token (the common case: a 10,000-record result is not walked)."""
        if not self._whole:
            return data
        try:
            text = json.dumps(data)
        except (TypeError, ValueError):
            text = None
        if text is not None and not any(needle in text for needle in self._escaped_needles):
            return data
        return self._walk(data)

    def _walk(self, data):
        if isinstance(data, str):
            return self.redact(data)
        if isinstance(data, dict):
            return dict((self._walk(k), self._walk(v)) for k, v in data.items())
        if isinstance(data, (list, tuple)):
            return [self._walk(item) for item in data]
        return data
