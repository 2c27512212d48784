"""The e2e guard of conftest.py: a followed redirection to the login form fails the test."""

import pytest


def test_a_page_that_sends_to_the_login_form_fails(odoo_server, rpc):
    # Not logged in: /my answers a redirection to /web/login, which requests would follow to a 200.
    with pytest.raises(pytest.fail.Exception, match="redirected to the login form"):
        rpc.http.get(f"{odoo_server}/my", timeout=30)


def test_a_redirection_checked_by_the_test_passes(odoo_server, rpc):
    response = rpc.http.get(f"{odoo_server}/my", timeout=30, allow_redirects=False)
    assert response.status_code == 303
    assert response.headers["Location"].split("?")[0].endswith("/web/login")


@pytest.mark.login_redirect_expected
def test_a_test_marked_as_expecting_the_login_form_may_follow_it(odoo_server, rpc):
    response = rpc.http.get(f"{odoo_server}/my", timeout=30)
    assert response.status_code == 200
    assert 'name="login"' in response.text
