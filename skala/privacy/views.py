"""The signed-in person's own data: what Skala holds, a download of it, and deleting the account."""

import json

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from skala.privacy.forms import DeleteAccountForm
from skala.privacy.personal import erase, export


@login_required
@require_GET
def overview(request):
    """What Skala holds about the person, in counts, with the download and the way to delete."""
    data = export(request.user)
    counts = sorted((label, len(rows)) for label, rows in data["records"].items())
    return render(request, "privacy/overview.html", {"data": data, "counts": counts})


@never_cache
@login_required
@require_GET
def download(request):
    """Everything Skala holds about the person as one JSON file."""
    body = json.dumps(export(request.user), cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="skala-my-data-{timezone.localdate():%Y-%m-%d}.json"'
    )
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    """Delete the account after the password and an explicit yes; dialogue input stays, anonymised."""
    form = DeleteAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        erase(user)
        messages.success(request, _("Your account and personal data are erased."))
        return redirect("home")
    return render(request, "privacy/delete.html", {"form": form})
