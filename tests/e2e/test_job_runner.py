"""End to end: OCA queue_job's runner starts with the server (``server_wide_modules`` in the
configuration the setup writes) and runs OPTIS background work. A bursar prints the
letters of more students than the threshold over XML-RPC: the call returns a batch at
once, and the runner renders it into one PDF posted in the batch's chatter."""

import time

import pytest

THRESHOLD_KEY = "optis_school.letters_job_threshold"
JOB_TIMEOUT = 180


@pytest.fixture
def admin(xmlrpc_client):
    return xmlrpc_client.as_user("admin", "admin")


@pytest.fixture
def low_threshold(admin):
    """Letters of more than two codes run as jobs for this test; the setting is put back."""
    [param] = admin.call("ir.config_parameter", "search_read", [("key", "=", THRESHOLD_KEY)], fields=["value"]) or [
        None
    ]
    admin.call("ir.config_parameter", "set_param", THRESHOLD_KEY, "2")
    yield
    admin.call("ir.config_parameter", "set_param", THRESHOLD_KEY, param["value"] if param else False)


def test_letters_of_many_students_are_printed_by_the_job_runner(xmlrpc_client, low_threshold):
    bursar = xmlrpc_client.as_user("bursar", "bursar")
    code_ids = bursar.call("school.activation.code", "search", [("state", "=", "unused")], limit=3)
    assert len(code_ids) == 3, "the demo has unused activation codes"
    action = bursar.call("school.activation.code", "action_print_letters", code_ids)
    assert action["res_model"] == "school.letter.batch", "more codes than the threshold: a batch, not a PDF"
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        [batch] = bursar.call(
            "school.letter.batch", "read", [action["res_id"]], fields=["state", "progress", "attachment_id", "error"]
        )
        if batch["state"] != "queued" or time.monotonic() > deadline:
            break
        time.sleep(1)
    assert batch["state"] == "done", f"the job runner did not print the batch: {batch}"
    assert batch["progress"] == 100
    messages = bursar.call(
        "mail.message",
        "search_read",
        [("model", "=", "school.letter.batch"), ("res_id", "=", action["res_id"]), ("attachment_ids", "!=", False)],
        fields=["attachment_ids"],
    )
    assert [message["attachment_ids"] for message in messages] == [[batch["attachment_id"][0]]]
