from django.urls import path

from skala.reference import views

app_name = "reference"

urlpatterns = [
    path("cpv/", views.cpv_search, name="cpv_search"),
    path("cpv/<str:code8>/", views.cpv_detail, name="cpv_detail"),
    path("sdgs/", views.sdg_list, name="sdg_list"),
]
