# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What a reply says: its opt-out keyword in normal form.

Internal use only: not a public API of the collection, and it may change in any release.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


KEYWORDS = {
    'STOP': 'STOP', 'STOPALL': 'STOP', 'UNSUBSCRIBE': 'STOP', 'CANCEL': 'STOP', 'END': 'STOP', 'QUIT': 'STOP',
    'START': 'START', 'UNSTOP': 'START', 'YES': 'START',
    'HELP': 'HELP', 'INFO': 'HELP',
}


def keyword(text):
    """The opt-out keyword of a reply in normal form (STOP, START, HELP), or None.

    The first word counts, case and punctuation ignored: "Stop." and "stop please" are STOP, "don't stop" is not.
    """
    if not isinstance(text, str):
        return None
    words = text.split()
    if not words:
        return None
    word = ''.join(char for char in words[0] if char.isalnum()).upper()
    return KEYWORDS.get(word)
