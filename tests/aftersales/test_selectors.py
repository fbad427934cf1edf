"""Reads of the aftersales app: who answers for a unit's work."""

import pytest

from aftersales import selectors
from tests.aftersales.factories import UnitFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_supervisors_over_a_unit_include_those_above_it_and_only_active_ones():
    from aftersales.services import membership_set

    company = UnitFactory()
    branch = UnitFactory(parent=company)
    team = UnitFactory(parent=branch)
    elsewhere = UnitFactory(parent=company)
    boss = UserFactory()
    membership_set(user=boss, unit=branch, is_supervisor=True)
    gone = UserFactory(is_active=False)
    membership_set(user=gone, unit=team, is_supervisor=True)
    other = UserFactory()
    membership_set(user=other, unit=elsewhere, is_supervisor=True)

    assert team.lineage_ids == [company.pk, branch.pk, team.pk]
    assert list(selectors.supervisors_over(unit=team)) == [boss]
    assert selectors.supervises(user=boss, units=[team]) is True
    assert selectors.supervises(user=other, units=[team]) is False
