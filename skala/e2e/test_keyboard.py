"""The need flow with the keyboard alone: the skip link, logging in, describing and publishing a need,
and inviting a buyer into its joint process, with Tab, Shift+Tab, Enter, Space and typing; no mouse.
Every element that takes the focus on the way must show it."""

import pytest

from skala.needs.models import Need, NeedStatus, Participant
from skala.testing import PASSWORD, make_personas
from skala.testing_browser import assert_accessible, assert_page, new_page, page_name, visit

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]

# What the focused element is, and whether a sighted keyboard user can see where the focus is:
# an outline or a box shadow drawn, on an element that is on screen and not clipped away.
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow !== 'none';
  return {
    tag: el.tagName.toLowerCase(),
    id: el.id,
    text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 80),
    ring: outline || shadow,
    onScreen: box.width > 0 && box.height > 0 && box.right > 0 && box.bottom > 0
      && box.left < window.innerWidth && box.top < window.innerHeight,
  };
}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED)


def assert_focus_visible(page) -> dict:
    where = focused(page)
    assert where is not None, "nothing has the focus"
    assert where["ring"], f"the focus on {where} draws no outline or shadow"
    assert where["onScreen"], f"the focused element {where} is off screen"
    return where


def tab_to(page, wanted, *, backwards: bool = False, limit: int = 120) -> dict:
    """Press Tab (or Shift+Tab) until the focused element is the wanted one, checking every stop."""
    key = "Shift+Tab" if backwards else "Tab"
    seen = []
    for _press in range(limit):
        page.keyboard.press(key)
        where = assert_focus_visible(page)
        if wanted(where):
            return where
        seen.append(where["id"] or where["text"])
    raise AssertionError(f"{key} never reached the element; it went through {seen}")


def field(element_id: str):
    return lambda where: where["id"] == element_id


def named(text: str):
    return lambda where: where["text"] == text


def press_and_wait(page, key: str) -> None:
    """Press a key that follows a link or submits a form, wait for the next page, and check it."""
    with page.expect_navigation():
        page.keyboard.press(key)
    assert_accessible(page, page_name(page))


def test_the_need_flow_works_with_the_keyboard_alone(browser, live_server):
    personas = make_personas()
    page = new_page(browser)
    visit(page, f"{live_server.url}/en/")

    # The first Tab reaches the skip link, shown on screen; Enter moves the focus to the main content.
    skip = tab_to(page, named("Skip to main content"), limit=1)
    assert skip["tag"] == "a"
    assert_page(page, "keyboard-1-skip-link")
    page.keyboard.press("Enter")
    assert page.url.endswith("#main")
    assert page.evaluate("document.activeElement.id") == "main"
    # From the main content, Shift+Tab goes back into the navigation, where the login link is.
    tab_to(page, named("Log in"), backwards=True)
    press_and_wait(page, "Enter")

    # The e-mail field has the focus when the login page opens.
    assert_page(page, "keyboard-2-login")
    assert focused(page)["id"] == "id_username"
    page.keyboard.type(personas.owner.email)
    tab_to(page, field("id_password"), limit=1)
    page.keyboard.type(PASSWORD)
    press_and_wait(page, "Enter")
    assert page.locator("form[action$='/accounts/logout/']").count() == 1

    tab_to(page, named("Needs"))
    press_and_wait(page, "Enter")
    tab_to(page, named("Describe a new need"))
    press_and_wait(page, "Enter")
    tab_to(page, field("id_title"))
    page.keyboard.type("Nattilsyn med sensorrer")
    tab_to(page, field("id_problem"), limit=1)
    page.keyboard.type("Nattevakter bruker mye tid på fysiske tilsyn hos eldre som sover.")
    tab_to(page, named("Save"))
    # A typo in the title: back with Shift+Tab, delete the last letters, and type them right.
    tab_to(page, field("id_title"), backwards=True)
    page.keyboard.press("End")
    for _letter in "rer":
        page.keyboard.press("Backspace")
    page.keyboard.type("er")
    assert_page(page, "keyboard-3-need-form")
    tab_to(page, named("Save"))
    press_and_wait(page, "Space")

    need = Need.objects.get()
    assert need.title == "Nattilsyn med sensorer"
    assert need.status == NeedStatus.DRAFT
    tab_to(page, named("Publish"))
    press_and_wait(page, "Space")
    need.refresh_from_db()
    assert need.status == NeedStatus.PUBLISHED

    # The joint process: choose the buyer by typing its name in the list, and write the option terms.
    tab_to(page, field("id_organisation"))
    page.keyboard.type("Stavanger")
    assert page.locator("#id_organisation option:checked").inner_text() == "Stavanger kommune"
    tab_to(page, field("id_option_terms"))
    page.keyboard.type("Inntil 200 sensorer til 2028")
    assert_page(page, "keyboard-4-invite")
    tab_to(page, named("Invite"))
    press_and_wait(page, "Enter")
    assert page.get_by_text("Stavanger kommune is invited.").is_visible()
    invited = Participant.objects.get(process__need=need)
    assert invited.organisation == personas.stavanger
    assert invited.option_terms == "Inntil 200 sensorer til 2028"
