import base64
import json
from datetime import timedelta
from unittest.mock import patch

from werkzeug.urls import url_parse

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, tagged

from .rights_common import PortalRightsCommon

FILE = b"%PDF-1.4 a report of the school"
# Queries of a warm documents page of a child for the mother, whatever the number of documents.
DOCUMENTS_PAGE_QUERIES = 14


@tagged("post_install", "-at_install")
class TestPortalDocuments(PortalRightsCommon, HttpCase):
    """Documents for parents, request by request: the mother (meetings rights on Ada and Bob),
    Ada's stepfather (meetings only) and grandfather (money only, no documents of Ada's); Cid
    is nobody's child here. A bursar publishes; a parent opens; the unread counts follow."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.yesterday = fields.Datetime.now() - timedelta(days=1)
        cls.document_ada = cls._document("Ada's first term report", cls.student_ada)
        cls.document_cid = cls._document("Cid's first term report", cls.student_cid)

    @classmethod
    def _document(cls, name, student=None, guardian=None, published=True, publication_date=None):
        return (
            cls.env["school.document"]
            .with_user(cls.user_bursar)
            .create(
                {
                    "name": name,
                    "category": "report",
                    "student_id": student.id if student else False,
                    "guardian_id": guardian.id if guardian else False,
                    "company_id": cls.company.id,
                    "file": base64.b64encode(FILE),
                    "file_name": "report.pdf",
                    "is_published": published,
                    "publication_date": publication_date or cls.yesterday,
                }
            )
        )

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _counter(self):
        response = self.url_open(
            "/my/counters",
            data=json.dumps({"params": {"counters": ["school_document_count"]}}),
            headers={"Content-Type": "application/json"},
        )
        return response.json()["result"]["school_document_count"]

    def _page(self, student):
        response = self.url_open(f"/my/school/child/{student.id}/documents")
        self.assertEqual(response.status_code, 200)
        return response.text

    def test_open_clears_unread_for_this_guardian(self):
        self._login(self.user_mother)
        self.assertEqual(self._counter(), 1, "the home tile counts Ada's new report")
        home = self.url_open(f"/my/school/child/{self.student_ada.id}").text
        self.assertIn("o_school_home_unread_documents", home)
        self.assertIn(f'href="/my/school/child/{self.student_ada.id}/documents"', home)
        page = self._page(self.student_ada)
        self.assertIn("Ada&#39;s first term report", page)
        self.assertEqual(page.count("o_school_document_unread"), 1)
        self.assertNotIn("Cid", page)

        response = self.url_open(f"/my/school/document/{self.document_ada.id}")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, FILE)
        self.assertIn("inline", response.headers["Content-Disposition"])
        download = self.url_open(f"/my/school/document/{self.document_ada.id}?download=1")
        self.assertIn("attachment", download.headers["Content-Disposition"])

        self.assertEqual(self._counter(), 0)
        self.assertNotIn(
            "o_school_home_unread_documents", self.url_open(f"/my/school/child/{self.student_ada.id}").text
        )
        self.assertNotIn("o_school_document_unread", self._page(self.student_ada))
        self.assertEqual(self.document_ada.read_partner_ids, self.mother)
        # Read by the mother, still new for the stepfather.
        self._login(self.user_stepfather)
        self.assertEqual(self._counter(), 1)
        self.assertEqual(self._page(self.student_ada).count("o_school_document_unread"), 1)

    def test_unpublished_and_future_documents_are_invisible(self):
        hidden = self._document("Draft report", self.student_ada, published=False)
        future = self._document(
            "Next term report", self.student_ada, publication_date=fields.Datetime.now() + timedelta(days=2)
        )
        self._login(self.user_mother)
        page = self._page(self.student_ada)
        self.assertNotIn("Draft report", page)
        self.assertNotIn("Next term report", page)
        for document in hidden | future:
            self.assertEqual(self.url_open(f"/my/school/document/{document.id}").status_code, 404)
        self.assertEqual(self._counter(), 1, "only the published report")
        self.assertFalse((hidden | future).read_partner_ids)
        # Published and due: it appears.
        future.publication_date = self.yesterday
        self.assertIn("Next term report", self._page(self.student_ada))

    def test_stranger_document_is_not_found(self):
        self._login(self.user_mother)
        for path in (
            f"/my/school/document/{self.document_cid.id}",
            f"/my/school/document/{self.document_cid.id}?download=1",
            f"/my/school/document/{self.document_cid.id + 1000}",
            f"/my/school/child/{self.student_cid.id}/documents",
        ):
            response = self.url_open(path)
            self.assertEqual(response.status_code, 404, path)
            self.assertNotIn(FILE, response.content)
        self.assertFalse(self.document_cid.read_partner_ids)

    def test_staff_get_only_their_own_documents_in_the_portal(self):
        # The bursar reads every document in the backend; the portal route is for guardians.
        self._login(self.user_bursar)
        self.assertEqual(self.url_open(f"/my/school/document/{self.document_ada.id}").status_code, 404)
        self.assertFalse(self.document_ada.read_partner_ids)

    def test_anonymous_goes_to_login(self):
        self.authenticate(None, None)
        for path in (
            f"/my/school/document/{self.document_ada.id}",
            f"/my/school/child/{self.student_ada.id}/documents",
        ):
            response = self.url_open(path, allow_redirects=False)
            self.assertIn(response.status_code, (302, 303), path)
            self.assertEqual(url_parse(response.headers["Location"]).path, "/web/login")
        self.assertFalse(self.document_ada.read_partner_ids)

    def test_guardian_without_meetings_rights_is_not_found(self):
        # The grandfather sees Ada's money, not her meetings nor her documents.
        own = self._document("Letter to the grandfather", self.student_ada, guardian=self.grandfather)
        self._login(self.user_grandfather)
        self.assertEqual(self.url_open(f"/my/school/document/{self.document_ada.id}").status_code, 404)
        page = self._page(self.student_ada)
        self.assertNotIn("first term report", page)
        self.assertIn("Letter to the grandfather", page, "a document addressed to him")
        self.assertEqual(self._counter(), 1)
        self.assertEqual(self.url_open(f"/my/school/document/{own.id}").content, FILE)
        # The mother does not see the grandfather's letter.
        self._login(self.user_mother)
        self.assertNotIn("Letter to the grandfather", self._page(self.student_ada))
        self.assertEqual(self.url_open(f"/my/school/document/{own.id}").status_code, 404)
        # Untick the stepfather's right: Ada's documents are gone for him.
        self.link_ada_stepfather.write({"is_in_charge": False})
        self._login(self.user_stepfather)
        self.assertEqual(self.url_open(f"/my/school/document/{self.document_ada.id}").status_code, 404)

    def test_family_document_on_each_child_page(self):
        self._document("School trip of the family", guardian=self.mother)
        self._login(self.user_mother)
        self.assertIn("School trip of the family", self._page(self.student_ada))
        self.assertIn("School trip of the family", self._page(self.student_bob))
        self.assertEqual(self._counter(), 2, "Ada's report and the family letter")

    def test_cash_receipt_is_published_for_the_payer(self):
        action = self.wallet_ada_general.with_user(self.user_bursar).action_open_topup_cash()
        wizard_form = Form(self.env[action["res_model"]].with_user(self.user_bursar).with_context(**action["context"]))
        wizard_form.amount = 20
        wizard_form.payer_id = self.mother
        wizard_form.save().action_confirm()
        receipt = self.env["school.document"].search([("category", "=", "receipt")])
        self.assertEqual(len(receipt), 1)
        self.assertEqual((receipt.student_id, receipt.guardian_id), (self.student_ada, self.mother))
        self.assertTrue(receipt.is_published)
        self._login(self.user_mother)
        self.assertIn(receipt.name, self._page(self.student_ada))
        response = self.url_open(f"/my/school/document/{receipt.id}")
        self.assertEqual(response.status_code, 200)
        self.assertTrue(response.content)
        self._login(self.user_stepfather)
        self.assertNotIn(receipt.name, self._page(self.student_ada), "the payer's receipt only")

    def test_cash_receipt_never_goes_to_a_stranger(self):
        # Over RPC the wizard's payer may be any contact: the receipt is then the child's, not theirs.
        stranger = self.env["res.partner"].create({"name": "Not a guardian"})
        wizard = (
            self.env["school.wallet.topup.cash"]
            .with_user(self.user_bursar)
            .create({"wallet_id": self.wallet_ada_general.id, "amount": 5, "payer_id": stranger.id})
        )
        wizard.action_confirm()
        receipt = self.env["school.document"].search([("category", "=", "receipt")])
        self.assertEqual((receipt.student_id, receipt.guardian_id), (self.student_ada, self.env["res.partner"]))

    def test_documents_page_query_count(self):
        self._login(self.user_mother)
        for number in range(2):
            # One document, then six: the same number of queries.
            self._page(self.student_ada)
            self.env.flush_all()
            with patch("random.random", lambda: 1), self.assertQueryCount(DOCUMENTS_PAGE_QUERIES):
                self.assertEqual(self._page(self.student_ada).count('o_school_document"'), 1 + 5 * number)
            for letter in range(5 * (1 - number)):
                self._document(f"Letter {letter}", self.student_ada)


@tagged("post_install", "-at_install")
class TestSchoolDocumentBackend(PortalRightsCommon):
    """Bursars publish documents in the backend; teachers read them; parents write nothing."""

    def test_bursar_creates_and_publishes(self):
        form = Form(self.env["school.document"].with_user(self.user_bursar))
        form.name = "Swimming lessons"
        form.category = "letter"
        form.student_id = self.student_ada
        form.file = base64.b64encode(FILE)
        document = form.save()
        self.assertEqual(document.company_id, self.company)
        self.assertFalse(document.is_published)
        document.action_publish()
        self.assertTrue(document.is_published)
        self.assertEqual(
            self.env["school.document"].with_user(self.user_mother).search([("id", "=", document.id)]), document
        )

    def test_teacher_and_parent_write_nothing(self):
        document = self.env["school.document"].create(
            {"name": "Letter", "student_id": self.student_ada.id, "file": base64.b64encode(FILE)}
        )
        with self.assertRaises(AccessError):
            document.with_user(self.user_teacher).write({"is_published": True})
        document.is_published = True
        with self.assertRaises(AccessError):
            document.with_user(self.user_mother).write({"name": "Forged"})
        with self.assertRaises(AccessError):
            document.with_user(self.user_mother).read(["file"])


# Fails the page when it is wider than the phone's screen (horizontal scrolling).
NO_HORIZONTAL_SCROLL = """
    const width = document.documentElement.scrollWidth;
    if (width > window.innerWidth) {
        console.error(`${location.pathname} is ${width}px wide on a ${window.innerWidth}px screen`);
    } else {
        console.log("test successful");
    }
"""


@tagged("post_install", "-at_install")
class TestPortalDocumentsMobile(PortalRightsCommon, HttpCase):
    """The documents page and the child's home on a 390 px wide phone: no horizontal
    scrolling, also with a long title without spaces."""

    browser_size = "390x844"
    touch_enabled = True

    def test_documents_pages_fit_a_phone(self):
        self.env["school.document"].create(
            {
                "name": "Reportofthefirsttermwithallthemarksandcomments" * 3,
                "student_id": self.student_ada.id,
                "file": base64.b64encode(FILE),
                "file_name": "report.pdf",
                "is_published": True,
                "publication_date": fields.Datetime.now() - timedelta(days=1),
            }
        )
        for url in (f"/my/school/child/{self.student_ada.id}/documents", f"/my/school/child/{self.student_ada.id}"):
            with self.subTest(url=url):
                self.browser_js(url, NO_HORIZONTAL_SCROLL, login=self.user_mother.login)
