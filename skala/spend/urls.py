from django.urls import path

from skala.spend import views

app_name = "spend"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:organisation_id>/", views.report, name="report"),
    path("<int:organisation_id>/openings/", views.openings_page, name="openings"),
    path("<int:organisation_id>/settings/", views.settings_update, name="settings"),
    path("<int:organisation_id>/suppliers/", views.unresolved, name="unresolved"),
    path("<int:organisation_id>/suppliers/<int:supplier_id>/link/", views.link, name="link"),
    path("<int:organisation_id>/imports/<int:import_id>/remove/", views.import_remove, name="import_remove"),
    path("<int:organisation_id>/uploads/", views.uploads, name="uploads"),
    path("<int:organisation_id>/uploads/<int:upload_id>/", views.upload, name="upload"),
    path(
        "<int:organisation_id>/uploads/<int:upload_id>/restart/", views.upload_restart, name="upload_restart"
    ),
]
