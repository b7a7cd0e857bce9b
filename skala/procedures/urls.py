from django.urls import path

from skala.procedures import views

app_name = "procedures"

urlpatterns = [
    path("advisor/", views.advisor, name="advisor"),
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/<int:notice_id>/", views.notice_detail, name="notice_detail"),
]
