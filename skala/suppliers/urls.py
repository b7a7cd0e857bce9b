from django.urls import path

from skala.suppliers import views

app_name = "suppliers"

urlpatterns = [
    path("", views.supplier_list, name="list"),
    path("join/", views.signup, name="signup"),
    path("<int:organisation_id>/", views.supplier_detail, name="detail"),
    path("<int:organisation_id>/edit/", views.profile_edit, name="profile_edit"),
    path("<int:organisation_id>/solutions/new/", views.solution_edit, name="solution_create"),
    path(
        "<int:organisation_id>/solutions/<int:solution_id>/edit/", views.solution_edit, name="solution_edit"
    ),
    path(
        "<int:organisation_id>/solutions/<int:solution_id>/delete/",
        views.solution_delete,
        name="solution_delete",
    ),
    path("for-need/<int:need_id>/", views.need_suppliers, name="need_suppliers"),
    path(
        "for-need/<int:need_id>/partner/<int:organisation_id>/",
        views.partnering_send,
        name="partnering_send",
    ),
    path("partnering/", views.partnering_list, name="partnering"),
    path("partnering/<int:request_id>/answer/", views.partnering_answer, name="partnering_answer"),
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/new/", views.proposal_create, name="proposal_create"),
    path("proposals/<int:proposal_id>/", views.proposal_detail, name="proposal_detail"),
    path("proposals/<int:proposal_id>/move/", views.proposal_move, name="proposal_move"),
    path("subscriptions/", views.subscription_list, name="subscriptions"),
    path("subscriptions/<int:subscription_id>/", views.subscription_edit, name="subscription_edit"),
    path("alerts/", views.alert_list, name="alerts"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
]
