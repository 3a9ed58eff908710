# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Running a module's main() in-process: its arguments in, its exit_json/fail_json result out."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import functools
import json
import os
from unittest import mock

import pytest

from ansible.module_utils import basic
from ansible.module_utils.common.text.converters import to_bytes

from ansible_collections.invoca.messaging.plugins.module_utils import _sms_module as api_module
from ansible_collections.invoca.messaging.plugins.module_utils._api.transport import Transport
from ansible_collections.invoca.messaging.plugins.modules import sms_message
from ansible_collections.invoca.messaging.tests.unit.fakes import (
    API_URL,
    TOKEN,
    FakeClient,
    FakeClock,
    FakeSession,
    FakeSleep,
)

try:
    # ansible-core >= 2.19
    from ansible.module_utils.testing import patch_module_args
except ImportError:
    @contextlib.contextmanager
    def patch_module_args(args=None):
        """ansible-core < 2.19: AnsibleModule reads its arguments from basic._ANSIBLE_ARGS."""
        serialized = to_bytes(json.dumps({'ANSIBLE_MODULE_ARGS': args or {}}))
        with mock.patch.object(basic, '_ANSIBLE_ARGS', serialized):
            yield


class ModuleExit(Exception):
    """Raised in place of exit_json / fail_json; carries what the module returned."""

    def __init__(self, failed, result):
        super(ModuleExit, self).__init__(result)
        self.failed = failed
        self.result = result

    def __getitem__(self, key):
        return self.result[key]

    def get(self, key, default=None):
        return self.result.get(key, default)


def _exit_json(self, **kwargs):
    raise ModuleExit(False, kwargs)


def _fail_json(self, msg=None, **kwargs):
    kwargs['msg'] = msg
    raise ModuleExit(True, kwargs)


def run(main, args, check_mode=False, diff=False, env=None):
    """Run ``main`` with ``args`` (api_token added unless given); return the ModuleExit it ended with."""
    args = dict(args)
    if check_mode:
        args['_ansible_check_mode'] = True
    if diff:
        args['_ansible_diff'] = True
    with contextlib.ExitStack() as stack:
        stack.enter_context(patch_module_args(args))
        stack.enter_context(mock.patch.object(basic.AnsibleModule, 'exit_json', _exit_json))
        stack.enter_context(mock.patch.object(basic.AnsibleModule, 'fail_json', _fail_json))
        stack.enter_context(mock.patch.dict(os.environ, env or {}))
        with pytest.raises(ModuleExit) as caught:
            main()
    return caught.value


class HttpBackend:
    """Stands in for the Transport class: the real transport and clients, wired to a scripted FakeSession."""

    def __init__(self, script=(), handler=None):
        self.session = FakeSession(script, handler)
        self.sleeps = []
        self.clients = []

    def __call__(self, **kwargs):
        transport = Transport(session=self.session, sleep=self.sleeps.append, clock=lambda: 0.0, **kwargs)
        self.clients.append(transport)
        return transport

    @property
    def sent(self):
        return self.session.sent


@pytest.fixture
def install_client(monkeypatch):
    """install_client(FakeClient(...)) or install_client(HttpBackend(...)): what the module will talk to."""
    def install(fake):
        monkeypatch.setattr(api_module, 'Transport', fake)
        if isinstance(fake, FakeClient):
            # "Constructing" the transport returns the fake client, which stands in for the resource client.
            monkeypatch.setattr(api_module, 'PhoneNumberClient', lambda transport: transport)
        return fake
    return install


@pytest.fixture
def fake_client(install_client):
    """An empty in-memory network; seed it through ``fake_client.records``."""
    return install_client(FakeClient())


@pytest.fixture
def base_args():
    return {'api_token': TOKEN, 'api_url': API_URL}


@pytest.fixture
def warnings(monkeypatch):
    """The warnings a module gave, in order."""
    seen = []
    monkeypatch.setattr(api_module.SmsApiModule, 'warn', lambda self, text: seen.append(text))
    return seen


@pytest.fixture(autouse=True)
def delivery_wait_sleep(monkeypatch):
    """sms_message's wait=true polls on a fake clock that its sleeps move (the FakeSleep returned), never really
    sleeping: a test of a wait that runs out takes no time instead of wait_timeout (300 s by default) of real
    time.sleep. The rounds, their requests and the deadline checks are those of a real wait on a fast API. A test
    that replaces sms_message.wait_for_delivery itself (monkeypatch) overrides this."""
    clock = FakeClock()
    sleep = FakeSleep(clock)
    monkeypatch.setattr(sms_message, 'wait_for_delivery',
                        functools.partial(sms_message.wait_for_delivery, sleep=sleep, clock=clock))
    return sleep


class StubTransport:
    """Stands in for Transport where a test stubs the clients: what a module asks of it besides requests."""

    def __init__(self, **kwargs):
        self.kwargs = kwargs

    def close(self):
        pass

    def retry_summary(self):
        return None

    def server_now(self):
        return None


class ActiveSender:
    """Stands in for PhoneNumberClient (class and instance at once): ``sender`` is an active number, no other is."""

    def __init__(self, sender):
        self.sender = sender

    def __call__(self, transport):
        return self

    def get(self, number):
        return {'phone_number': number, 'deleted_at': None} if number == self.sender else None
