"""Skala's URLs: pages under a language prefix (/nb/, /sv/, /en/), the API and health check without."""

from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.urls import include, path

from skala import views
from skala.api import api
from skala.security import views as security_views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path(".well-known/security.txt", security_views.security_txt, name="security_txt"),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

urlpatterns += i18n_patterns(
    path("", views.home, name="home"),
    path("api/", views.api_reference, name="api_reference"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("privacy-statement/", views.privacy_statement, name="privacy_statement"),
    path("accounts/", include("skala.orgs.account_urls")),
    path("organisations/", include("skala.orgs.urls")),
    path("needs/", include("skala.needs.urls")),
    path("reference/", include("skala.reference.urls")),
    path("procedures/", include("skala.procedures.urls")),
    path("suppliers/", include("skala.suppliers.urls")),
    path("dialogue/", include("skala.dialogue.urls")),
    path("portfolio/", include("skala.portfolio.urls")),
    path("spend/", include("skala.spend.urls")),
    path("kpis/", include("skala.kpis.urls")),
    path("privacy/", include("skala.privacy.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=True,
)

# A database outage is a 503 with a message (JSON under /api/), not the 500 page.
handler500 = "skala.ops.views.server_error"
