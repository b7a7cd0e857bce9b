"""Pages for organisations, their members, and a person's own account and API tokens."""

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from skala.orgs import verification
from skala.orgs.forms import MemberForm, OrganisationForm, RoleForm, TokenForm, UnitForm
from skala.orgs.models import ApiToken, Membership, Organisation, OrganisationKind
from skala.orgs.permissions import authorize
from skala.reference.models import Country

PAGE_SIZE = 25


def organisation_list(request):
    """Every organisation in Skala, searchable and filtered by kind and country."""
    organisations = (
        Organisation.objects.select_related("parent", "municipality")
        .annotate(unit_count=Count("children"))
        .order_by("name", "id")
    )
    query = request.GET.get("q", "").strip()
    kind = request.GET.get("kind", "")
    country = request.GET.get("country", "")
    if query:
        organisations = organisations.filter(name__icontains=query) | organisations.filter(
            orgnr=query.replace(" ", "")
        )
    if kind in OrganisationKind.values:
        organisations = organisations.filter(kind=kind)
    if country in Country.values:
        organisations = organisations.filter(country=country)
    page = Paginator(organisations, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "query": query,
        "kind": kind,
        "country": country,
        "kinds": OrganisationKind.choices,
        "countries": Country.choices,
    }
    template = "orgs/_organisation_results.html" if request.htmx else "orgs/organisation_list.html"
    return render(request, template, context)


def organisation_detail(request, organisation_id: int):
    """An organisation's public profile; its members are shown to those who may see them."""
    organisation = get_object_or_404(
        Organisation.objects.select_related("parent", "municipality__county"), pk=organisation_id
    )
    user = request.user
    can_see_members = user.has_perm("orgs.view_organisation_internal", organisation)
    context = {
        "organisation": organisation,
        "ancestors": list(reversed(organisation.ancestors())),
        "units": organisation.children.order_by("unit", "name"),
        "members": (
            organisation.memberships.select_related("user").order_by("user__email")
            if can_see_members
            else None
        ),
        "can_edit": user.has_perm("orgs.change_organisation", organisation),
        "can_manage_members": user.has_perm("orgs.manage_members", organisation),
        "can_add_unit": user.has_perm("orgs.add_unit", organisation),
    }
    return render(request, "orgs/organisation_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def organisation_edit(request, organisation_id: int):
    """Editors change the organisation's profile."""
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    authorize(request.user, "orgs.change_organisation", organisation)
    form = OrganisationForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The organisation was saved."))
        return redirect("orgs:detail", organisation_id=organisation.pk)
    return render(request, "orgs/organisation_form.html", {"form": form, "organisation": organisation})


@login_required
@require_http_methods(["GET", "POST"])
def unit_add(request, organisation_id: int):
    """Administrators add an agency or a procurement office under their organisation."""
    parent = get_object_or_404(Organisation, pk=organisation_id)
    authorize(request.user, "orgs.add_unit", parent)
    form = UnitForm(request.POST or None, parent=parent)
    if request.method == "POST" and form.is_valid():
        unit = form.save()
        messages.success(request, _("%(name)s was added.") % {"name": unit.name})
        return redirect("orgs:detail", organisation_id=unit.pk)
    return render(request, "orgs/unit_form.html", {"form": form, "organisation": parent})


@login_required
@require_http_methods(["GET", "POST"])
def member_list(request, organisation_id: int):
    """Administrators see, add and change the organisation's members."""
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    authorize(request.user, "orgs.manage_members", organisation)
    form = MemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        membership, created = Membership.objects.update_or_create(
            user=form.cleaned_data["user"],
            organisation=organisation,
            defaults={"role": form.cleaned_data["role"]},
        )
        text = _("%(person)s was added.") if created else _("%(person)s now has the role %(role)s.")
        messages.success(request, text % {"person": membership.user, "role": membership.get_role_display()})
        return redirect("orgs:members", organisation_id=organisation.pk)
    memberships = organisation.memberships.select_related("user").order_by("user__email")
    return render(
        request,
        "orgs/member_list.html",
        {
            "organisation": organisation,
            "memberships": memberships,
            "form": form,
            "role_form": RoleForm(),
        },
    )


@login_required
@require_POST
def member_change(request, organisation_id: int, membership_id: int):
    """Change a member's role, or remove them; an organisation always keeps one administrator."""
    organisation = get_object_or_404(Organisation, pk=organisation_id)
    authorize(request.user, "orgs.manage_members", organisation)
    membership = get_object_or_404(Membership, pk=membership_id, organisation=organisation)
    admins = organisation.memberships.filter(role="admin")
    last_admin = membership.role == "admin" and admins.count() == 1
    if "remove" in request.POST:
        if last_admin and not request.user.is_staff:
            messages.error(request, _("The last administrator cannot be removed."))
        else:
            membership.delete()
            messages.success(request, _("%(person)s was removed.") % {"person": membership.user})
    else:
        form = RoleForm(request.POST)
        if form.is_valid():
            if last_admin and form.cleaned_data["role"] != "admin" and not request.user.is_staff:
                messages.error(request, _("The last administrator cannot be given a lesser role."))
            else:
                membership.role = form.cleaned_data["role"]
                membership.save(update_fields=["role"])
                messages.success(
                    request,
                    _("%(person)s now has the role %(role)s.")
                    % {"person": membership.user, "role": membership.get_role_display()},
                )
    return redirect("orgs:members", organisation_id=organisation.pk)


class PasswordResetConfirm(auth_views.PasswordResetConfirmView):
    """Django's password reset; the link came to the person's address, so it confirms the address too."""

    def form_valid(self, form):
        response = super().form_valid(form)
        verification.confirm(form.user)
        return response


@login_required
def verify_email(request, token: str):
    """The link from the confirmation e-mail, followed by the account it was sent for.

    Whoever signed up with someone else's address must not have that person's click confirm it: the
    link confirms only when the account it names is the one signed in.
    """
    user = verification.user_for(token)
    if user is None:
        return render(request, "orgs/verify_email_invalid.html", status=400)
    if user.pk != request.user.pk:
        raise PermissionDenied("orgs.verify_email")
    verification.confirm(user)
    return render(request, "orgs/verify_email_done.html", {"confirmed": user})


@login_required
@require_POST
def verify_email_send(request):
    """Send the confirmation link (again) to the signed-in person's address."""
    if request.user.email_verified_at is None:
        verification.send_confirmation(request.user)
        messages.success(request, _("We sent a link to %(email)s.") % {"email": request.user.email})
    return redirect("account")


@login_required
def account(request):
    """The signed-in person's memberships and roles."""
    memberships = request.user.memberships.select_related("organisation").order_by("organisation__name")
    return render(request, "orgs/account.html", {"memberships": memberships})


@login_required
@require_http_methods(["GET", "POST"])
def token_list(request):
    """Personal API tokens: create one (its secret is shown once) or revoke one."""
    form = TokenForm(request.POST or None)
    secret = None
    if request.method == "POST" and form.is_valid():
        token, secret = ApiToken.issue(request.user, form.cleaned_data["name"])
        messages.success(request, _("The token %(name)s was created.") % {"name": token.name})
        form = TokenForm()
    tokens = request.user.api_tokens.all()
    return render(request, "orgs/token_list.html", {"form": form, "tokens": tokens, "secret": secret})


@login_required
@require_POST
def token_revoke(request, token_id: int):
    """Revoke one of the person's own tokens; other people's tokens are not found."""
    token = get_object_or_404(ApiToken, pk=token_id, user=request.user)
    token.revoke()
    messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
    return redirect("tokens")
