"""Pages for market dialogue: meetings, registration, one-to-one slots, input, notes and the report."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from skala.dialogue import report as reports
from skala.dialogue import services
from skala.dialogue.calendar import meeting_calendar
from skala.dialogue.forms import (
    AnswersForm,
    AnswerSupplierQuestionForm,
    MeetingForm,
    NoteForm,
    QuestionForm,
    RegistrationForm,
    ReportForm,
    SlotsForm,
    SupplierQuestionForm,
)
from skala.dialogue.models import (
    Attendee,
    Booking,
    Meeting,
    MeetingStatus,
    QuestionPhase,
    Registration,
    RegistrationStatus,
    Report,
    ReportStatus,
    Slot,
    SupplierQuestion,
)
from skala.dialogue.permissions import current_hosts
from skala.needs.models import Need
from skala.orgs.permissions import authorize, member_organisations
from skala.suppliers.views import acting_suppliers


def meeting_list(request):
    """Published meetings from today on, that the visitor may see."""
    meetings = (
        Meeting.objects.published()
        .filter(ends_at__gte=timezone.now())
        .select_related("need__organisation")
        .order_by("starts_at")
    )
    visible = [meeting for meeting in meetings if request.user.has_perm("needs.view_need", meeting.need)]
    return render(request, "dialogue/meeting_list.html", {"meetings": visible})


@login_required
@require_http_methods(["GET", "POST"])
def meeting_create(request, need_id: int):
    need = get_object_or_404(Need, pk=need_id)
    authorize(request.user, "dialogue.add_meeting", need)
    form = MeetingForm(request.POST or None, initial={"language": need.language or "nb", "title": need.title})
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            meeting = form.save(commit=False)
            meeting.need, meeting.created_by = need, request.user
            meeting.save()
            services.sync_hosts(meeting)
        messages.success(request, _("The meeting is saved as a draft. Publish it when it is ready."))
        return redirect(meeting)
    return render(request, "dialogue/meeting_form.html", {"form": form, "need": need})


def meeting_for(request, meeting_id: int, permission: str = "dialogue.view_meeting") -> Meeting:
    meeting = get_object_or_404(Meeting.objects.select_related("need__organisation"), pk=meeting_id)
    authorize(request.user, permission, meeting)
    return meeting


def meeting_detail(
    request,
    meeting_id: int,
    registration_form: RegistrationForm | None = None,
    refused_answers: AnswersForm | None = None,
):
    """The meeting; a registration or answers that were refused come back with their form, so nothing
    typed is lost and each error stands at its field."""
    meeting = meeting_for(request, meeting_id)
    user = request.user
    is_host = user.has_perm("dialogue.manage_meeting", meeting)
    suppliers = acting_suppliers(user)
    mine = member_organisations(user)
    my_registration = (
        meeting.registrations.filter(supplier_id__in=mine)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
        if suppliers
        else None
    )
    slots = list(meeting.slots.select_related("booking__supplier"))
    context = {
        "meeting": meeting,
        "is_host": is_host,
        "can_view_input": user.has_perm("dialogue.view_input", meeting),
        "hosts": current_hosts(meeting),
        "supplier": suppliers[0] if suppliers else None,
        "my_registration": my_registration,
        "registration_form": (registration_form or RegistrationForm())
        if suppliers and not my_registration and meeting.registration_open
        else None,
        "slots": slots,
        "my_slot_ids": {
            slot.pk for slot in slots if hasattr(slot, "booking") and slot.booking.supplier_id in mine
        },
        "answer_forms": answer_forms(meeting, suppliers[0], refused_answers) if suppliers else [],
        # A supplier reads the answered questions, and its own that wait for an answer; the hosts all.
        "supplier_questions": meeting.supplier_questions.exclude(Q(answer="") & ~Q(asked_by_id__in=mine))
        if not is_host
        else meeting.supplier_questions.all(),
        "ask_form": SupplierQuestionForm() if suppliers else None,
        "confirmed_persons": services.confirmed_persons(meeting),
    }
    if is_host:
        context.update(
            {
                "registrations": meeting.registrations.prefetch_related("attendees").select_related(
                    "supplier"
                ),
                "slots_form": SlotsForm(),
                "question_form": QuestionForm(),
                "note_form": NoteForm(),
                "notes": meeting.notes.all(),
                "answer_question_form": AnswerSupplierQuestionForm(),
            }
        )
    if context["can_view_input"]:
        context["answers"] = services.visible_answers(meeting, user)
    refused = registration_form is not None or refused_answers is not None
    return render(request, "dialogue/meeting_detail.html", context, status=400 if refused else 200)


def phase_open(meeting: Meeting, phase: str) -> bool:
    """Questions before the meeting are answered until it is over; those after it, once it has begun."""
    now = timezone.now()
    return now < meeting.ends_at if phase == QuestionPhase.BEFORE else now >= meeting.starts_at


def answer_forms(
    meeting: Meeting, supplier, refused: AnswersForm | None = None
) -> list[tuple[str, str, AnswersForm]]:
    """For a supplier: one form a phase with questions, filled with what it answered before (or, for
    the phase whose answers were just refused, with what was sent)."""
    forms = []
    for phase, label in QuestionPhase.choices:
        if not phase_open(meeting, phase):
            continue
        questions = list(meeting.questions.filter(phase=phase))
        if not questions:
            continue
        if refused is not None and refused.prefix == phase:
            forms.append((phase, label, refused))
            continue
        previous = {
            answer.question_id: answer
            for answer in services.Answer.objects.filter(question__in=questions, supplier=supplier)
        }
        initial = {"shareable": any(answer.shareable for answer in previous.values())}
        for question in questions:
            answer = previous.get(question.pk)
            if answer:
                initial[f"q{question.pk}"] = answer.text or answer.choices or answer.number
        forms.append((phase, label, AnswersForm(questions=questions, initial=initial, prefix=phase)))
    return forms


@login_required
@require_http_methods(["GET", "POST"])
def meeting_edit(request, meeting_id: int):
    meeting = meeting_for(request, meeting_id, "dialogue.manage_meeting")
    before = (meeting.starts_at, meeting.ends_at, meeting.place, meeting.link)
    form = MeetingForm(request.POST or None, instance=meeting)
    if request.method == "POST" and form.is_valid():
        form.save()
        services.save_changes(
            meeting, moved=before != (meeting.starts_at, meeting.ends_at, meeting.place, meeting.link)
        )
        messages.success(request, _("The meeting was saved; registrations and answers are kept."))
        return redirect(meeting)
    return render(
        request, "dialogue/meeting_form.html", {"form": form, "need": meeting.need, "meeting": meeting}
    )


@login_required
@require_POST
def meeting_publish(request, meeting_id: int):
    meeting = meeting_for(request, meeting_id, "dialogue.manage_meeting")
    try:
        services.publish(meeting)
    except services.DialogueError as error:
        messages.error(request, str(error))
        return redirect(meeting)
    messages.success(request, _("The meeting is announced."))
    return redirect(meeting)


@login_required
@require_POST
def register(request, meeting_id: int):
    meeting = meeting_for(request, meeting_id)
    suppliers = acting_suppliers(request.user)
    if not suppliers:
        raise PermissionDenied("suppliers.act_for_supplier")
    form = RegistrationForm(request.POST)
    if not form.is_valid():
        # As meeting_detail decides whether the page shows the form.
        registered = (
            meeting.registrations.filter(supplier_id__in=member_organisations(request.user))
            .exclude(status=RegistrationStatus.CANCELLED)
            .exists()
        )
        if meeting.registration_open and not registered:
            return meeting_detail(request, meeting.pk, registration_form=form)
        # The page shows no registration form now: say what was wrong above it instead.
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(meeting)
    try:
        result = services.register(
            meeting,
            suppliers[0],
            request.user,
            form.cleaned_data["attendees"],
            form.cleaned_data["may_be_named"],
        )
        messages.success(request, result.message)
    except services.DialogueError as error:
        messages.error(request, str(error))
    return redirect(meeting)


@login_required
@require_POST
def registration_cancel(request, meeting_id: int, registration_id: int):
    registration = get_object_or_404(Registration, pk=registration_id, meeting_id=meeting_id)
    if not request.user.has_perm("suppliers.act_for_supplier", registration.supplier):
        raise PermissionDenied("suppliers.act_for_supplier")
    services.cancel(registration)
    messages.success(request, _("Your registration is cancelled."))
    return redirect(registration.meeting)


@login_required
@require_POST
def attendance(request, meeting_id: int, attendee_id: int):
    meeting = meeting_for(request, meeting_id, "dialogue.manage_meeting")
    attendee = get_object_or_404(Attendee, pk=attendee_id, registration__meeting=meeting)
    attendee.attended = request.POST.get("attended") == "yes"
    attendee.save(update_fields=["attended"])
    if request.htmx:
        return render(request, "dialogue/_attendance.html", {"attendee": attendee, "meeting": meeting})
    return redirect(meeting)


def meeting_ics(request, meeting_id: int):
    meeting = meeting_for(request, meeting_id)
    response = HttpResponse(meeting_calendar(meeting), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{slugify(meeting.title) or "meeting"}.ics"'
    return response


@login_required
@require_POST
def slots_create(request, meeting_id: int):
    meeting = meeting_for(request, meeting_id, "dialogue.manage_meeting")
    form = SlotsForm(request.POST)
    if form.is_valid():
        try:
            slots = services.make_slots(meeting, **form.cleaned_data)
            messages.success(request, _("%(count)s slots are ready.") % {"count": len(slots)})
        except services.DialogueError as error:
            messages.error(request, str(error))
    else:
        messages.error(request, _("Give the first start, the last end and the minutes a slot."))
    return redirect(meeting)


@login_required
@require_POST
def slot_book(request, meeting_id: int, slot_id: int):
    meeting = meeting_for(request, meeting_id)
    slot = get_object_or_404(Slot, pk=slot_id, meeting=meeting)
    suppliers = acting_suppliers(request.user)
    if not suppliers:
        raise PermissionDenied("suppliers.act_for_supplier")
    try:
        services.book(slot, suppliers[0], request.user)
        messages.success(request, _("The slot is yours."))
    except services.DialogueError as error:
        messages.error(request, str(error))
    return redirect(meeting)


@login_required
@require_POST
def booking_cancel(request, meeting_id: int, slot_id: int):
    booking = get_object_or_404(Booking, slot_id=slot_id, slot__meeting_id=meeting_id)
    if not request.user.has_perm("suppliers.act_for_supplier", booking.supplier):
        raise PermissionDenied("suppliers.act_for_supplier")
    services.cancel_booking(booking)
    messages.success(request, _("The booking is cancelled."))
    return redirect("dialogue:meeting", meeting_id=meeting_id)


@login_required
@require_POST
def question_add(request, meeting_id: int):
    meeting = meeting_for(request, meeting_id, "dialogue.manage_meeting")
    form = QuestionForm(request.POST)
    if form.is_valid():
        question = form.save(commit=False)
        question.meeting = meeting
        question.save()
        messages.success(request, _("The question is added."))
    else:
        messages.error(request, "; ".join(error for errors in form.errors.values() for error in errors))
    return redirect(meeting)


@login_required
@require_POST
def answers_save(request, meeting_id: int, phase: str):
    meeting = meeting_for(request, meeting_id)
    suppliers = acting_suppliers(request.user)
    if not suppliers:
        raise PermissionDenied("suppliers.act_for_supplier")
    if phase not in QuestionPhase.values or not phase_open(meeting, phase):
        messages.error(
            request,
            _("The questions before the meeting closed when it ended.")
            if phase == QuestionPhase.BEFORE
            else _("The questions after the meeting open when it begins."),
        )
        return redirect(meeting)
    questions = list(meeting.questions.filter(phase=phase))
    form = AnswersForm(request.POST, questions=questions, prefix=phase)
    if not form.is_valid():
        return meeting_detail(request, meeting.pk, refused_answers=form)
    try:
        with transaction.atomic():
            for question in questions:
                value = form.cleaned_data.get(f"q{question.pk}")
                services.answer_question(
                    question,
                    suppliers[0],
                    request.user,
                    text=value if isinstance(value, str) and question.kind == "text" else "",
                    choices=value
                    if isinstance(value, list)
                    else ([value] if question.kind == "single" and value else []),
                    number=value if question.kind == "scale" and value not in (None, "") else None,
                    shareable=form.cleaned_data["shareable"],
                )
        messages.success(request, _("Your answers are saved."))
    except services.DialogueError as error:
        messages.error(request, str(error))
    return redirect(meeting)


@login_required
@require_POST
def ask(request, meeting_id: int):
    meeting = meeting_for(request, meeting_id)
    suppliers = acting_suppliers(request.user)
    if not suppliers:
        raise PermissionDenied("suppliers.act_for_supplier")
    try:
        services.ask(meeting, suppliers[0], request.POST.get("text", ""))
        messages.success(request, _("Your question is sent. The answer is published to every supplier."))
    except services.DialogueError as error:
        messages.error(request, str(error))
    return redirect(meeting)


@login_required
@require_POST
def answer_supplier_question(request, meeting_id: int, question_id: int):
    meeting = meeting_for(request, meeting_id, "dialogue.manage_meeting")
    question = get_object_or_404(SupplierQuestion, pk=question_id, meeting=meeting)
    try:
        services.answer_supplier_question(question, request.POST.get("answer", ""), request.user)
        messages.success(request, _("The answer is published to every supplier."))
    except services.DialogueError as error:
        messages.error(request, str(error))
    return redirect(meeting)


@login_required
@require_POST
def note_add(request, meeting_id: int):
    meeting = meeting_for(request, meeting_id, "dialogue.manage_meeting")
    form = NoteForm(request.POST)
    if form.is_valid():
        note = form.save(commit=False)
        note.meeting, note.written_by = meeting, request.user
        note.save()
        messages.success(request, _("The note is saved."))
    return redirect(meeting)


def report_for(request, meeting_id: int) -> tuple[Meeting, Report | None, bool]:
    """The report: hosts see the draft; everyone else only a published report of a meeting they may see."""
    meeting = meeting_for(request, meeting_id)
    is_host = request.user.has_perm("dialogue.manage_meeting", meeting)
    report = Report.objects.filter(meeting=meeting).first()
    if not is_host and (report is None or report.status != ReportStatus.PUBLISHED):
        raise Http404(_("The report is not published."))
    return meeting, report, is_host


@require_http_methods(["GET", "POST"])
def report_page(request, meeting_id: int):
    meeting, report, is_host = report_for(request, meeting_id)
    if request.method == "POST" and not is_host:
        # Only the hosts generate, edit and publish; say so rather than ignore the form.
        raise PermissionDenied("dialogue.manage_meeting")
    form = None
    if is_host:
        if report is None or (request.method == "POST" and request.POST.get("action") == "generate"):
            report = reports.generate(meeting)
        form = ReportForm(
            request.POST if request.POST.get("action") in {"save", "publish"} else None, instance=report
        )
        if request.method == "POST" and request.POST.get("action") in {"save", "publish"} and form.is_valid():
            report = form.save()
            if request.POST["action"] == "publish":
                report.status, report.published_at = ReportStatus.PUBLISHED, timezone.now()
                report.save(update_fields=["status", "published_at"])
                messages.success(request, _("The report is published."))
            else:
                messages.success(request, _("The summary is saved."))
            return redirect("dialogue:report", meeting_id=meeting.pk)
    return render(
        request,
        "dialogue/report.html",
        {"meeting": meeting, "report": report, "form": form, "is_host": is_host},
    )


def report_download(request, meeting_id: int, file_format: str):
    meeting, report, _is_host = report_for(request, meeting_id)
    if report is None:
        raise Http404(_("The report is not published."))
    name = slugify(meeting.title) or "report"
    if file_format == "pdf":
        response = HttpResponse(
            reports.as_pdf(meeting.title, report.summary, report.content), content_type="application/pdf"
        )
    else:
        response = HttpResponse(
            reports.as_docx(meeting.title, report.summary, report.content),
            content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
    response["Content-Disposition"] = f'attachment; filename="{name}.{file_format}"'
    return response


def need_report(request, need_id: int):
    """The dialogue of a whole need: every meeting whose report is published (hosts: every meeting)."""
    need = get_object_or_404(Need.objects.select_related("organisation"), pk=need_id)
    authorize(request.user, "needs.view_need", need)
    meetings = [
        meeting
        for meeting in need.meetings.select_related("report")
        if meeting.status == MeetingStatus.PUBLISHED
    ]
    shown = [
        meeting
        for meeting in meetings
        if request.user.has_perm("dialogue.manage_meeting", meeting)
        or getattr(getattr(meeting, "report", None), "status", None) == ReportStatus.PUBLISHED
    ]
    if not shown:
        raise Http404(_("The report is not published."))
    content = reports.build_for(shown, need.language or "nb")
    summaries = [
        meeting.report.summary
        for meeting in shown
        if getattr(meeting, "report", None) and meeting.report.summary
    ]
    file_format = request.GET.get("format")
    if file_format in {"pdf", "docx"}:
        render_file = reports.as_pdf if file_format == "pdf" else reports.as_docx
        response = HttpResponse(
            render_file(need.title, "\n\n".join(summaries), content),
            content_type="application/pdf"
            if file_format == "pdf"
            else "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )
        response["Content-Disposition"] = (
            f'attachment; filename="{slugify(need.title) or "report"}.{file_format}"'
        )
        return response
    context = {"need": need, "meetings": shown, "content": content, "summaries": summaries}
    return render(request, "dialogue/need_report.html", context)
