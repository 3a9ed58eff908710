# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The opt-out keyword of a reply, in normal form: the first word, case and punctuation ignored."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._events.replies import keyword


@pytest.mark.parametrize('text, word', [
    ('STOP', 'STOP'), ('stop.', 'STOP'), ('  Stop please', 'STOP'), ('StopAll', 'STOP'), ('unsubscribe!', 'STOP'),
    ('Cancel', 'STOP'), ('end', 'STOP'), ('QUIT', 'STOP'), ('start', 'START'), ('Unstop', 'START'), ('yes!', 'START'),
    ('help?', 'HELP'), ('Info', 'HELP'), ("don't stop", None), ('stopping', None), ('', None), ('ACK', None),
    ('call me', None), (None, None)])
def test_keywords_in_normal_form(text, word):
    assert keyword(text) == word
