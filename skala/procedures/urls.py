from django.urls import path

from skala.procedures import views

app_name = "procedures"

urlpatterns = [
    path("", views.procurement_list, name="procurements"),
    path("new/", views.procurement_create, name="procurement_create"),
    path("<int:procurement_id>/", views.procurement_detail, name="procurement"),
    path("<int:procurement_id>/phases/", views.phases_edit, name="phases"),
    path("<int:procurement_id>/add/<str:what>/", views.procurement_add, name="procurement_add"),
    path("<int:procurement_id>/calendar.ics", views.procurement_ics, name="procurement_ics"),
    path("<int:procurement_id>/ocds.json", views.procurement_ocds, name="procurement_ocds"),
    path("<int:procurement_id>/notice-details/", views.notice_details, name="notice_details"),
    path("<int:procurement_id>/eforms/<str:kind>.xml", views.notice_draft, name="notice_draft"),
    path("advisor/", views.advisor, name="advisor"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice_detail"),
]
