from django.urls import path

from skala.privacy import views

app_name = "privacy"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("export.json", views.download, name="export"),
    path("delete/", views.delete_account, name="delete"),
]
