"""The permission table itself (the role × endpoint walk is an integration test)."""

from __future__ import annotations

import pytest

from app.core import permissions
from app.models import accounts

Role = accounts.Role


def test_every_role_can_see_a_dashboard_and_their_own_account() -> None:
    for role in Role:
        assert permissions.allows(role, "dashboard.view")
        assert permissions.allows(role, "account.manage_own")


def test_only_admin_manages_users() -> None:
    assert [r for r in Role if permissions.allows(r, "users.manage")] == [Role.ADMIN]


def test_producers_and_sellers_cannot_see_the_user_list() -> None:
    assert not permissions.allows(Role.PRODUCER, "users.view")
    assert not permissions.allows(Role.SELLER, "users.view")
    assert permissions.allows(Role.COORDINATOR, "users.view")


def test_unknown_permission_is_a_programming_error() -> None:
    with pytest.raises(KeyError):
        permissions.require("no.such.permission")


class _Anonymous:
    is_authenticated = False


def test_anonymous_holds_nothing() -> None:
    assert not any(permissions.can(_Anonymous(), name) for name in permissions.RULES)
