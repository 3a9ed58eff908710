# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""One model of the API: the unit tests' FakeClient and the real PhoneNumberClient talking to the simulator must
answer the same scenarios the same way.

The module unit tests trust FakeClient to behave like the client against the API; the integration tests trust
the simulator to behave like the API. Where the two disagreed, a module could pass its unit tests and fail
against the simulator (or the other way round). Reference facts (/work/shared/reference): delete is soft, 200
with the record and deleted_at set; deleting a deleted object "does nothing" (design principles), so the
simulator answers 200 with the record unchanged and the client reports it as deleted again.
"""

from __future__ import annotations

import os

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

from checkout import importable_checkout
from simulator_control import Simulator  # noqa: E402

N1 = '+18885550100'
N2 = '+18885550101'
N3 = '+18885550102'
FULL_FIELDS = {'phone_number', 'virtual_line_id', 'network_id', 'created_at', 'enabled_at', 'deleted_at', 'carrier_interface'}
LIST_FIELDS = {'phone_number', 'created_at', 'enabled_at', 'deleted_at', 'carrier_interface'}


@pytest.fixture(scope='module')
def collection(tmp_path_factory):
    """The collection's modules this file checks, imported from this checkout."""
    with importable_checkout(tmp_path_factory):
        from ansible_collections.invoca.messaging.plugins.module_utils._api import (  # pylint: disable=import-outside-toplevel
            transport,
        )
        from ansible_collections.invoca.messaging.plugins.module_utils._phone_numbers import (  # pylint: disable=import-outside-toplevel
            client as phone_number_client,
        )
        from ansible_collections.invoca.messaging.tests.unit import fakes  # pylint: disable=import-outside-toplevel
        yield (phone_number_client, transport), fakes


@pytest.fixture(scope='module')
def server():
    with Simulator() as simulator:
        yield simulator


@pytest.fixture(params=['fake', 'simulator'])
def api(request, collection, server):
    """A client of an empty network: the in-memory FakeClient, or PhoneNumberClient against a reset simulator."""
    (client_module, transport_module), fakes = collection
    if request.param == 'fake':
        yield fakes.FakeClient()
        return
    server.reset()
    real = client_module.PhoneNumberClient(transport_module.Transport(api_token=server.token, api_url=server.url,
                                                                      api_version='2022-08-01', max_retries=0))
    try:
        yield real
    finally:
        real.close()


def active(record):
    return record is not None and record['deleted_at'] is None


def test_get_unknown_number(api):
    assert api.get(N1) is None


def test_create_then_conflict(api):
    record, created = api.create(N1)
    assert created is True
    assert set(record) == FULL_FIELDS and record['phone_number'] == N1 and active(record)
    assert api.create(N1) == (None, False)  # 409: already there
    fetched = api.get(N1)
    assert set(fetched) == FULL_FIELDS and fetched == record


def test_delete_is_soft_and_delete_again_does_nothing(api):
    api.create(N1)
    record, deleted = api.delete(N1)
    assert deleted is True
    assert set(record) == FULL_FIELDS and record['phone_number'] == N1 and record['deleted_at'] is not None
    again, deleted_again = api.delete(N1)
    # 200 with the record, unchanged: the client cannot tell it from a first delete, and says so.
    assert (again, deleted_again) == (record, True)
    assert api.get(N1) == record


def test_delete_unknown_number(api):
    assert api.delete(N2) == (None, False)  # 404


def test_re_create_re_enables_the_same_record(api):
    first, dummy = api.create(N1)
    api.delete(N1)
    record, created = api.create(N1)
    assert created is True and active(record)
    assert (record['created_at'], record['virtual_line_id']) == (first['created_at'], first['virtual_line_id'])
    assert record['enabled_at'] > first['enabled_at']


def test_list_keeps_soft_deleted_records_unless_filtered(api):
    for number in (N1, N2, N3):
        api.create(number)
    api.delete(N2)
    listed = list(api.iter_phone_numbers())
    assert [r['phone_number'] for r in listed] == [N1, N2, N3]  # created_at order
    assert all(set(r) == LIST_FIELDS for r in listed)
    assert [r['phone_number'] for r in listed if active(r)] == [N1, N3]
    assert [r['phone_number'] for r in api.iter_phone_numbers([('deleted_at[empty]', None)])] == [N1, N3]
