from django.urls import path

from skala.orgs import views

app_name = "orgs"

urlpatterns = [
    path("", views.organisation_list, name="list"),
    path("<int:organisation_id>/", views.organisation_detail, name="detail"),
    path("<int:organisation_id>/edit/", views.organisation_edit, name="edit"),
    path("<int:organisation_id>/units/new/", views.unit_add, name="unit_add"),
    path("<int:organisation_id>/members/", views.member_list, name="members"),
    path(
        "<int:organisation_id>/members/<int:membership_id>/",
        views.member_change,
        name="member_change",
    ),
]
