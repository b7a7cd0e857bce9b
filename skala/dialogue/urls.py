from django.urls import path

from skala.dialogue import views

app_name = "dialogue"

urlpatterns = [
    path("", views.meeting_list, name="list"),
    path("new/<int:need_id>/", views.meeting_create, name="create"),
    path("need/<int:need_id>/report/", views.need_report, name="need_report"),
    path("<int:meeting_id>/", views.meeting_detail, name="meeting"),
    path("<int:meeting_id>/edit/", views.meeting_edit, name="edit"),
    path("<int:meeting_id>/publish/", views.meeting_publish, name="publish"),
    path("<int:meeting_id>/calendar.ics", views.meeting_ics, name="ics"),
    path("<int:meeting_id>/register/", views.register, name="register"),
    path(
        "<int:meeting_id>/registrations/<int:registration_id>/cancel/",
        views.registration_cancel,
        name="cancel",
    ),
    path("<int:meeting_id>/attendees/<int:attendee_id>/", views.attendance, name="attendance"),
    path("<int:meeting_id>/slots/", views.slots_create, name="slots"),
    path("<int:meeting_id>/slots/<int:slot_id>/book/", views.slot_book, name="book"),
    path("<int:meeting_id>/slots/<int:slot_id>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("<int:meeting_id>/questions/", views.question_add, name="question_add"),
    path("<int:meeting_id>/answers/<str:phase>/", views.answers_save, name="answers"),
    path("<int:meeting_id>/ask/", views.ask, name="ask"),
    path(
        "<int:meeting_id>/asked/<int:question_id>/answer/",
        views.answer_supplier_question,
        name="answer_asked",
    ),
    path("<int:meeting_id>/notes/", views.note_add, name="note_add"),
    path("<int:meeting_id>/report/", views.report_page, name="report"),
    path("<int:meeting_id>/report.pdf", views.report_download, {"file_format": "pdf"}, name="report_pdf"),
    path("<int:meeting_id>/report.docx", views.report_download, {"file_format": "docx"}, name="report_docx"),
]
