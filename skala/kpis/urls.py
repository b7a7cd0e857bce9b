from django.urls import path

from skala.kpis import views

app_name = "kpis"

urlpatterns = [
    path("", views.figure_list, name="figures"),
    path("new/", views.figure_create, name="figure_create"),
    path("<int:figure_id>/", views.figure_detail, name="figure"),
    path("<int:figure_id>/values/", views.figure_value, name="figure_value"),
    path("<int:figure_id>/connectors/", views.connector_add, name="connector_add"),
    path("<int:figure_id>/connectors/<int:connector_id>/pull/", views.connector_pull, name="connector_pull"),
    path("screens/new/", views.screen_create, name="screen_create"),
    path("screens/<int:screen_id>/", views.screen_detail, name="screen"),
    path("wall/<str:token>/", views.wall, name="wall"),
    path("wall/<str:token>/tiles/", views.wall_tiles, name="wall_tiles"),
    path("demo-core-system/places.json", views.demo_core_system, name="demo_core_system"),
]
