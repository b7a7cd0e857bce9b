from django.urls import path

from skala.needs import views

app_name = "needs"

urlpatterns = [
    path("", views.need_list, name="list"),
    path("new/", views.need_create, name="create"),
    path("<int:need_id>/", views.need_detail, name="detail"),
    path("<int:need_id>/edit/", views.need_edit, name="edit"),
    path("<int:need_id>/publish/", views.need_publish, name="publish"),
    path("<int:need_id>/status/", views.need_status, name="status"),
    path("<int:need_id>/cpv/", views.need_add_cpv, name="add_cpv"),
    path("<int:need_id>/process/invite/", views.process_invite, name="invite"),
    path("<int:need_id>/process/<int:participant_id>/answer/", views.process_answer, name="answer"),
    path("<int:need_id>/process/<int:participant_id>/withdraw/", views.process_withdraw, name="withdraw"),
    path("<int:need_id>/process/<int:participant_id>/leave/", views.process_leave, name="leave"),
]
