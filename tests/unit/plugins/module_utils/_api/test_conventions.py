# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Tests of plugins/module_utils/_api/conventions.py: the query encoding every resource shares."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.invoca.messaging.plugins.module_utils._api.conventions import encode_query


def test_encode_query_keeps_brackets_and_encodes_values():
    assert encode_query([('phone_number[eq]', '+18885550100'), ('created_at[lte]', '2022-11-03T23:59:00.000Z'),
                         ('deleted_at[empty]', None), ('limit', 500)]) == (
        'phone_number[eq]=%2B18885550100&created_at[lte]=2022-11-03T23:59:00.000Z&deleted_at[empty]&limit=500')


def test_encode_query_values_cannot_add_parameters():
    assert encode_query([('carrier_interface[eq]', 'a&limit=1 #x/y')]) == (
        'carrier_interface[eq]=a%26limit%3D1%20%23x%2Fy')
