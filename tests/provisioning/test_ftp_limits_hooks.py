"""Billing sets an account's FTP user limit with configoption3 "FTP accounts" (issue 16, part 3)."""

from __future__ import annotations

from provisioning_support import Mock, whmcs_params

from puq_hestia.billing import provisioning as prov
from puq_hestia.billing.provisioning import ProvisioningContext
from puq_hestia.store import Store


def test_create_and_change_package_keep_the_package_and_billing_s_number(mock: Mock, ctx: ProvisioningContext,
                                                                          store: Store) -> None:
    assert prov.create_account(whmcs_params(configoption3="2"), ctx) == "success"
    assert store.account_limits("main", "dave") == ("default", 2)
    assert prov.change_package(whmcs_params(configoption1="default", configoption3=""), ctx) == "success"
    assert store.account_limits("main", "dave") == ("default", None)  # empty: the package's limit again


def test_a_wrong_number_is_refused_before_any_call(mock: Mock, ctx: ProvisioningContext, store: Store) -> None:
    for value in ("-1", "many", "10001", "2.5"):
        text = prov.create_account(whmcs_params(configoption3=value), ctx)
        assert "FTP accounts option" in text and "whole number from 0 to 10000" in text
    assert mock.mutations() == []
    assert store.account_limits("main", "dave") == (None, None)
