"""The embeddable ticket widget stays small: organisers put it on their own pages."""

from voelgoed.domain.events.public_links import widget_snippet
from voelgoed.web.widget import WIDGET_BYTES, WIDGET_MAX_BYTES


def test_widget_script_is_under_its_budget() -> None:
    size = len(WIDGET_BYTES)
    print(f"widget.js: {size} bytes ({size / 1024:.1f} KB of {WIDGET_MAX_BYTES // 1024} KB)")
    assert 0 < size < WIDGET_MAX_BYTES


def test_widget_script_has_no_dependencies_and_never_sends_cookies() -> None:
    text = WIDGET_BYTES.decode()
    assert "import " not in text and "require(" not in text
    assert "credentials: 'omit'" in text
    assert "target: '_blank'" in text and "rel: 'noopener'" in text  # checkout opens in a new tab


def test_snippet_escapes_what_it_embeds() -> None:
    snippet = widget_snippet('https://tickets.example"><script>', "jazz-night")
    assert '<div data-voelgoed-event="jazz-night"></div>' in snippet
    assert "&quot;&gt;&lt;script&gt;/widget.js" in snippet
