# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The traceback a failed task may carry (ansible-core 2.19+, error tracebacks enabled) never shows the token."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.invoca.messaging.plugins.module_utils import _sms_module as api_module
from ansible_collections.invoca.messaging.plugins.modules import sms_phone_number
from ansible_collections.invoca.messaging.tests.unit.fakes import N1, TOKEN
from ansible_collections.invoca.messaging.tests.unit.plugins.modules.conftest import HttpBackend, run


class EchoingFailure(Exception):
    """What a library might raise while talking to a server that echoes the token."""


def test_a_failure_inside_an_exception_handler_carries_a_redacted_traceback(install_client, base_args):
    # The transport reports the failure without the token, but the original exception stays chained to it (its
    # __context__), and ansible-core would format that chain, message included, into the result.
    install_client(HttpBackend([EchoingFailure('the server said: bad token %s' % TOKEN)]))
    result = run(sms_phone_number.main, dict(base_args, phone_number=N1))
    assert result.failed
    assert TOKEN not in json.dumps(result.result) and TOKEN[4:14] not in json.dumps(result.result)
    if api_module.formats_pending_exception():
        assert 'EchoingFailure' in result['exception'] and 'the server said: bad token' in result['exception']
    else:
        # Older ansible-core adds only the frames, at -vvv, by itself; nothing is added here.
        assert 'exception' not in result.result
