"""Portal pages on a phone: Chromium at 390 px wide, no horizontal scrolling."""

# Fails the page when it is wider than the phone's screen (horizontal scrolling).
NO_HORIZONTAL_SCROLL = """
    const width = document.documentElement.scrollWidth;
    if (width > window.innerWidth) {
        console.error(`${location.pathname} is ${width}px wide on a ${window.innerWidth}px screen`);
    } else {
        console.log("test successful");
    }
"""


class PhoneCase:
    """Mixin for an ``HttpCase``: a 390 px wide touch screen, and a check that a page fits it."""

    browser_size = "390x844"
    touch_enabled = True

    def assert_fits_phone(self, url, login):
        """Open ``url`` as ``login`` in Chromium; fail when the page scrolls sideways."""
        self.browser_js(url, NO_HORIZONTAL_SCROLL, login=login)
