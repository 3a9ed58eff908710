# -*- coding: utf-8 -*-
# Copyright: (c) 2026, invoca.messaging contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.invoca.messaging.plugins.module_utils._api.query import (
    InvalidQuery,
    filter_params,
    list_query,
    sort_param,
)


# -- filter_params ----------------------------------------------------------------------------------------------

def test_filters_become_bracketed_pairs_sorted_by_field_then_operator():
    filters = {
        'created_at': {'lte': '2022-11-03T23:59:00.000Z', 'gte': '2022-11-01T23:59:00.000Z'},
        'carrier_interface': {'eq': 'bandwidth'},
    }
    assert filter_params(filters) == [
        ('carrier_interface[eq]', 'bandwidth'),
        ('created_at[gte]', '2022-11-01T23:59:00.000Z'),
        ('created_at[lte]', '2022-11-03T23:59:00.000Z'),
    ]


def test_empty_operator_is_a_bare_key():
    assert filter_params({'deleted_at': {'empty': True}}) == [('deleted_at[empty]', None)]


def test_numbers_are_sent_as_text():
    assert filter_params({'virtual_line_id': {'eq': 197}, 'network_id': {'gte': 1.5}}) == [
        ('network_id[gte]', '1.5'), ('virtual_line_id[eq]', '197')]


def test_phone_number_filter_values_are_normalised():
    assert filter_params({'phone_number': {'eq': '+1 (888) 555-0100'}}) == [('phone_number[eq]', '+18885550100')]


def test_invalid_phone_number_filter_value_is_refused_naming_it():
    with pytest.raises(InvalidQuery) as caught:
        filter_params({'phone_number': {'eq': '+1888555010x'}})
    assert 'filters.phone_number.eq' in str(caught.value)
    assert "'+1888555010x'" in str(caught.value)


def test_no_filters_give_no_pairs():
    assert filter_params({}) == []


@pytest.mark.parametrize('operator', ['ne', 'like', 'EQ', 'lt', 'gt', '', 'eq]&x[eq', 1])
def test_unknown_operator_is_refused(operator):
    with pytest.raises(InvalidQuery) as caught:
        filter_params({'created_at': {operator: 'x'}})
    assert repr(operator) in str(caught.value)
    assert 'eq, lte, gte, empty' in str(caught.value)


@pytest.mark.parametrize('field', [
    'created_at[lte]', 'a&b', 'a=b', 'created at', 'Created_at', 'CREATED_AT', '', '_private', '1field',
    'field-name', 'a' * 65, 'phone_number\n', 'créé', 3,
])
def test_field_names_beyond_a_plain_identifier_are_refused(field):
    with pytest.raises(InvalidQuery) as caught:
        filter_params({field: {'eq': 'x'}})
    assert repr(field) in str(caught.value)


def test_longest_accepted_field_name_is_64_characters():
    assert filter_params({'a' * 64: {'eq': 'x'}}) == [('a' * 64 + '[eq]', 'x')]


@pytest.mark.parametrize('value', [False, None, 'true', 1, 'yes'])
def test_empty_operator_accepts_only_true(value):
    with pytest.raises(InvalidQuery) as caught:
        filter_params({'deleted_at': {'empty': value}})
    assert 'only accepted value is true' in str(caught.value)


@pytest.mark.parametrize('value', [{'a': 1}, ['x'], None, True, False, b'bytes'])
def test_non_scalar_and_bool_values_are_refused(value):
    with pytest.raises(InvalidQuery) as caught:
        filter_params({'carrier_interface': {'eq': value}})
    assert 'filters.carrier_interface.eq' in str(caught.value)


@pytest.mark.parametrize('value', ['', 'a\nb', 'a\rb', 'tab\there', 'nul\x00', 'del\x7f', '\x1b[0m'])
def test_empty_values_and_control_characters_are_refused(value):
    with pytest.raises(InvalidQuery):
        filter_params({'carrier_interface': {'eq': value}})


@pytest.mark.parametrize('conditions', [{}, 'bandwidth', ['eq', 'x'], None, 5])
def test_conditions_must_be_a_non_empty_dictionary(conditions):
    with pytest.raises(InvalidQuery) as caught:
        filter_params({'carrier_interface': conditions})
    assert 'filters.carrier_interface' in str(caught.value)


@pytest.mark.parametrize('filters', [['created_at'], 'created_at[lte]=x', 5])
def test_filters_must_be_a_dictionary(filters):
    with pytest.raises(InvalidQuery):
        filter_params(filters)


def test_values_that_look_like_other_parameters_are_kept_whole_for_encoding():
    # The value is passed through; encode_query percent-encodes it, so it cannot add a parameter.
    assert filter_params({'carrier_interface': {'eq': 'a&limit=1'}}) == [('carrier_interface[eq]', 'a&limit=1')]


# -- sort_param -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('sort', ['created_at:desc', 'created_at:asc', 'created_at', 'asc', 'desc', 'phone_number'])
def test_valid_sorts_are_passed_through(sort):
    assert sort_param(sort) == ('sort', sort)


@pytest.mark.parametrize('sort', [
    'created_at:inwards', 'a;b', 'created_at:desc,phone_number:asc', 'created_at phone_number', '', ':desc',
    'created_at:', 'Created_at:desc', 'created_at:DESC', 'created_at:desc\n', 'created_at&limit=1', None, 5,
])
def test_invalid_sorts_are_refused(sort):
    with pytest.raises(InvalidQuery) as caught:
        sort_param(sort)
    assert repr(sort) in str(caught.value)
    assert 'created_at:desc' in str(caught.value)


# -- list_query -------------------------------------------------------------------------------------------------

def test_list_query_leaves_out_soft_deleted_numbers_by_default():
    assert list_query() == [('deleted_at[empty]', None)]


def test_list_query_with_include_deleted_sends_no_deleted_at_filter():
    assert list_query(include_deleted=True) == []


def test_list_query_does_not_add_deleted_at_empty_when_the_user_filters_deleted_at():
    assert list_query({'deleted_at': {'gte': '2022-01-01T00:00:00Z'}}) == [
        ('deleted_at[gte]', '2022-01-01T00:00:00Z')]


def test_list_query_puts_filters_then_deleted_filter_then_sort():
    assert list_query({'created_at': {'gte': '2022-11-01'}}, 'created_at:desc') == [
        ('created_at[gte]', '2022-11-01'), ('deleted_at[empty]', None), ('sort', 'created_at:desc')]


def test_list_query_checks_filters_and_sort():
    with pytest.raises(InvalidQuery):
        list_query({'created_at': {'like': 'x'}})
    with pytest.raises(InvalidQuery):
        list_query(None, 'created_at:inwards')
