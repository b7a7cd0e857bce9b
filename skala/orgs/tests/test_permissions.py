"""Who may see and change an organisation's data: one test per persona and rule."""

import pytest

from skala.orgs.permissions import role_in
from skala.testing import make_organisation

pytestmark = pytest.mark.django_db


def test_owner_may_edit_and_manage_members(personas):
    assert personas.owner.has_perm("orgs.change_organisation", personas.oslo)
    assert personas.owner.has_perm("orgs.manage_members", personas.oslo)


def test_role_in_the_parent_holds_in_its_units(personas):
    assert personas.owner.has_perm("orgs.change_organisation", personas.sykehjemsetaten)
    office = make_organisation(
        "Innkjøpsseksjonen", parent=personas.sykehjemsetaten, unit="procurement_office"
    )
    assert role_in(personas.owner, office) == "admin"


def test_unit_editor_may_edit_the_unit_but_not_its_parent(personas):
    assert personas.editor.has_perm("orgs.change_organisation", personas.sykehjemsetaten)
    assert not personas.editor.has_perm("orgs.change_organisation", personas.oslo)
    assert not personas.editor.has_perm("orgs.manage_members", personas.sykehjemsetaten)


def test_colleague_may_view_internal_pages_but_not_edit(personas):
    assert personas.colleague.has_perm("orgs.view_organisation_internal", personas.oslo)
    assert not personas.colleague.has_perm("orgs.change_organisation", personas.oslo)


def test_buyer_from_another_organisation_is_refused(personas):
    assert not personas.other_buyer.has_perm("orgs.view_organisation_internal", personas.oslo)
    assert not personas.other_buyer.has_perm("orgs.change_organisation", personas.oslo)
    assert not personas.other_buyer.has_perm("orgs.change_organisation", personas.sykehjemsetaten)


def test_supplier_cannot_touch_a_buyer_or_another_supplier(personas):
    assert not personas.supplier.has_perm("orgs.change_organisation", personas.oslo)
    assert not personas.supplier.has_perm("orgs.view_organisation_internal", personas.startup_org)
    assert personas.supplier.has_perm("orgs.change_organisation", personas.supplier_org)


def test_facilitator_may_view_every_organisation_but_edit_none(personas):
    assert personas.facilitator.has_perm("orgs.view_organisation_internal", personas.oslo)
    assert personas.facilitator.has_perm("orgs.view_organisation_internal", personas.startup_org)
    assert not personas.facilitator.has_perm("orgs.change_organisation", personas.oslo)


def test_staff_may_do_everything(personas):
    assert personas.staff.has_perm("orgs.manage_members", personas.stavanger)


def test_anonymous_visitor_may_do_nothing(personas):
    from django.contrib.auth.models import AnonymousUser

    visitor = AnonymousUser()
    assert not visitor.has_perm("orgs.view_organisation_internal", personas.oslo)
    assert not visitor.has_perm("orgs.change_organisation", personas.oslo)


def test_inactive_person_loses_every_right(personas):
    personas.owner.is_active = False
    assert not personas.owner.has_perm("orgs.change_organisation", personas.oslo)


def test_an_unknown_permission_is_refused(personas):
    assert not personas.owner.has_perm("orgs.launch_rockets", personas.oslo)
