from django.urls import path

from skala.portfolio import views

app_name = "portfolio"

urlpatterns = [
    path("", views.project_list, name="projects"),
    path("new/", views.project_create, name="project_create"),
    path("<int:project_id>/", views.project_detail, name="project"),
    path("<int:project_id>/gate/", views.project_gate, name="gate"),
    path("<int:project_id>/add/<str:what>/", views.project_add, name="project_add"),
    path("programmes/new/", views.programme_create, name="programme_create"),
    path("programmes/<int:programme_id>/", views.programme_detail, name="programme"),
    path("health/", views.health_page, name="health"),
    path("leaders/", views.leaders, name="leaders"),
    path("adoption/", views.adoption_page, name="adoption"),
]
