import csv
import io
import json
import zipfile
from datetime import date, datetime, time, timedelta

from psycopg2 import IntegrityError
from werkzeug.urls import url_parse

from odoo import Command, http
from odoo.exceptions import AccessError, UserError
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import mail_new_test_user

from .phone import PhoneCase
from .rights_common import PortalRightsCommon

EXPORT_FILES = {
    "contact.json",
    "guardian_links.csv",
    "children.csv",
    "wallets.csv",
    "wallet_operations.csv",
    "interviews.csv",
    "appointments.csv",
}


@tagged("post_install", "-at_install")
class TestPortalPrivacy(PortalRightsCommon, HttpCase):
    """The privacy page: the data download and the erasure request, and its handling by the school.

    Ada and Bob's family (see ``PortalRightsCommon``); Olga is another family's mother, the only
    guardian of Cid, whose wallet has operations and who booked an interview about him.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user_olga = mail_new_test_user(
            cls.env,
            login="privacy_olga",
            name="Olga Otherfamily",
            email="olga@other.example",
            groups="base.group_portal",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.olga = cls.user_olga.partner_id
        cls.env["school.guardian.link"].create(
            {"student_id": cls.student_cid.id, "guardian_id": cls.olga.id, "relationship": "mother"}
        )
        cls.wallet_cid_general = cls.student_cid._school_wallet_get(cls.type_general)
        cls.wallet_cid_general._credit(77.7, "topup_cash")
        cls.wallet_cid_general._debit(3.3, "meal")
        cls.interview_cid = cls.env["school.interview"]._book(cls.tina, cls.slots[2], cls.student_cid, cls.olga)
        cls.student_cid.write(
            {
                "birthdate": "2015-03-04",
                "diet_regime": "vegetarian",
                "medical_notes": "Asthma: inhaler in the bag",
                "allergen_ids": [Command.set(cls.env["school.allergen"].search([], limit=2).ids)],
                "student_number": "CID-42",
            }
        )
        cls.user_privacy_officer = mail_new_test_user(
            cls.env,
            login="privacy_officer",
            groups="base.group_user,optis_school.group_school_admin,"
            "privacy_partner_to_be_forgotten.group_partner_anonymize",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    def _login(self, user):
        self.authenticate(user.login, user.login)

    def _post(self, url, **data):
        return self.url_open(url, data={**data, "csrf_token": http.Request.csrf_token(self)}, allow_redirects=False)

    def _export(self, user):
        """Download ``user``'s zip through the page's link: ``{file name: text}``."""
        self._login(user)
        response = self.url_open("/my/school/privacy/export")
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.headers["Content-Type"], "application/zip")
        self.assertIn("attachment", response.headers["Content-Disposition"])
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            return {name: archive.read(name).decode("utf-8-sig") for name in archive.namelist()}

    @staticmethod
    def _rows(text):
        return list(csv.DictReader(io.StringIO(text)))

    def _requests(self, partner):
        return self.env["school.privacy.request"].search([("partner_id", "=", partner.id)])

    # ------------------------------------------------------------
    # Data download
    # ------------------------------------------------------------

    def test_export_holds_own_data_only(self):
        files = self._export(self.user_mother)
        self.assertEqual(set(files), EXPORT_FILES)
        contact = json.loads(files["contact.json"])
        self.assertEqual(contact["name"], "Maud Mother")
        self.assertEqual(contact["email"], "rights_mother@family.example")
        links = self._rows(files["guardian_links.csv"])
        self.assertEqual({row["child"] for row in links}, {self.student_ada.name, self.student_bob.name})
        self.assertTrue(all(row["sees_money"] == "1" for row in links))
        wallets = self._rows(files["wallets.csv"])
        self.assertEqual(len(wallets), 3, "Ada's two wallets and Bob's")
        self.assertEqual(
            sorted(float(row["amount"]) for row in self._rows(files["wallet_operations.csv"])), [12.0, 30.0]
        )
        interviews = self._rows(files["interviews.csv"])
        self.assertEqual(
            sorted(row["child"] for row in interviews),
            [self.student_ada.name, self.student_bob.name],
            "the interviews she attends (Bob's, booked by the grandfather, invites her too)",
        )
        # Nothing of another family: Cid, Olga, Cid's wallet and interview, his health data.
        everything = "\n".join(files.values())
        for foreign in ("Cid", "Olga", "olga@other.example", "77.7", "Asthma", "CID-42", "Gus Grandfather"):
            self.assertNotIn(foreign, everything)

    def test_export_follows_the_rights_of_the_links(self):
        # Money only: Ada's wallets, no interview (Bob's link grants nothing, his interview neither).
        files = self._export(self.user_grandfather)
        self.assertEqual({row["child"] for row in self._rows(files["wallets.csv"])}, {self.student_ada.name})
        self.assertEqual(self._rows(files["interviews.csv"]), [])
        self.assertEqual(self._rows(files["children.csv"])[0]["diet"], "", "health data with meetings rights only")
        # Meetings only: no wallet, no operation.
        files = self._export(self.user_stepfather)
        self.assertEqual(self._rows(files["wallets.csv"]), [])
        self.assertEqual(self._rows(files["wallet_operations.csv"]), [])
        # The other family: Cid's health data, wallet and interview.
        files = self._export(self.user_olga)
        children = self._rows(files["children.csv"])
        self.assertEqual(children[0]["medical_notes"], "Asthma: inhaler in the bag")
        self.assertEqual(
            sorted(float(row["amount"]) for row in self._rows(files["wallet_operations.csv"])), [-3.3, 77.7]
        )
        self.assertEqual(len(self._rows(files["interviews.csv"])), 1)
        self.assertNotIn("Ada", "\n".join(files.values()))

    def test_export_lists_own_desk_appointments(self):
        receptionist = mail_new_test_user(
            self.env,
            login="privacy_receptionist",
            groups="optis_school_meetings.group_meeting_receptionist",
            tz="Europe/Brussels",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        types = self.env["school.appointment.type"].create(
            [
                {"name": "Enrolment", "company_id": self.company.id, "duration": 0.5, "portal_published": True},
                {"name": "Staff only", "company_id": self.company.id, "duration": 0.5},
            ]
        )
        desk = self.env["school.meeting.counter"].create(
            {"name": "Front desk", "company_id": self.company.id, "capacity": 3}
        )
        agent = self.env["school.meeting.agent"].create(
            {"user_id": receptionist.id, "company_id": self.company.id, "role": "receptionist"}
        )
        self.env["school.meeting.availability"].create({"agent_id": agent.id, "hour_from": 0.0, "hour_to": 24.0})
        today = date.today()
        monday = today + timedelta(days=14 - today.weekday())
        for hour, appointment_type, visitor in (
            (8, types[0], self.mother),
            (9, types[1], self.mother),
            (10, types[0], self.olga),
        ):
            self.env["school.appointment"]._book(
                appointment_type,
                datetime.combine(monday, time(hour, 0)),
                agent,
                desk,
                {"visitor_partner_id": visitor.id},
            )
        rows = self._rows(self._export(self.user_mother)["appointments.csv"])
        # Hers, also of a type parents cannot book (read after the search as her); not Olga's.
        self.assertEqual([row["type"] for row in rows], ["Enrolment", "Staff only"])
        self.assertEqual(len(self._rows(self._export(self.user_olga)["appointments.csv"])), 1)

    def test_export_of_another_contact_is_refused(self):
        with self.assertRaises(AccessError):
            self.olga.with_user(self.user_mother)._school_privacy_export()
        # Staff who are nobody's guardian get their contact and empty lists, not the school's data.
        self._login(self.user_bursar)
        response = self.url_open("/my/school/privacy/export")
        self.assertEqual(response.status_code, 200)
        with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
            self.assertEqual(archive.read("wallets.csv").decode("utf-8-sig").strip().count("\n"), 0)

    def test_anonymous_goes_to_login(self):
        for path in ("/my/school/privacy", "/my/school/privacy/export"):
            response = self.url_open(path, allow_redirects=False)
            self.assertIn(response.status_code, (302, 303), path)
            self.assertEqual(url_parse(response.headers["Location"]).path, "/web/login", path)
        with mute_logger("odoo.http"):
            response = self.url_open("/my/school/privacy/erasure", data={"go": "1"}, allow_redirects=False)
        self.assertIn(response.status_code, (302, 303, 400, 403))
        self.assertFalse(self.env["school.privacy.request"].search([]))

    def test_page_linked_from_home_and_profile(self):
        self._login(self.user_mother)
        self.assertIn('href="/my/school/privacy"', self.url_open("/my").text)
        profile = self.url_open(f"/my/school/child/{self.student_ada.id}/profile").text
        self.assertIn('href="/my/school/privacy"', profile)
        page = self.url_open("/my/school/privacy")
        self.assertEqual(page.status_code, 200)
        self.assertIn('href="/my/school/privacy/export"', page.text)
        self.assertIn("o_school_privacy_erasure", page.text)
        self.assertIn('href="/my/security"', page.text, "Odoo's own Delete Account")

    # ------------------------------------------------------------
    # Erasure request
    # ------------------------------------------------------------

    def test_erasure_requested_once(self):
        self._login(self.user_mother)
        for _attempt in range(2):
            response = self._post("/my/school/privacy/erasure")
            self.assertEqual(response.status_code, 303)
            self.assertEqual(url_parse(response.headers["Location"]).query, "success=requested")
        request = self._requests(self.mother)
        self.assertEqual(len(request), 1)
        self.assertEqual(request.state, "requested")
        self.assertEqual(request.user_id, self.user_mother)
        self.assertEqual(request.company_id, self.company)
        self.assertEqual(
            self.env["school.privacy.request"].with_user(self.user_mother)._request_erasure().id, request.id
        )
        page = self.url_open("/my/school/privacy").text
        self.assertIn("o_school_privacy_state", page)
        self.assertNotIn("o_school_privacy_erasure", page, "no second request while one is open")
        # The database holds the line too: a second open request of hers is refused.
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.env.cr.savepoint():
            self.env["school.privacy.request"].sudo()._flow().create({"partner_id": self.mother.id})

    def test_delete_account_files_the_request(self):
        """Odoo's own Delete Account: the account is archived at once, the request is filed, and
        Odoo's deletion queue leaves the contact (and the guardian links) to the school."""
        self._login(self.user_olga)
        response = self._post("/my/deactivate_account", validation=self.user_olga.login, password=self.user_olga.login)
        self.assertEqual(response.status_code, 303)
        self.assertFalse(self.user_olga.active)
        request = self._requests(self.olga)
        self.assertEqual(request.state, "requested")
        self.env["res.users.deletion"]._gc_portal_users()
        self.assertFalse(self.user_olga.exists(), "Odoo deleted the account")
        self.assertTrue(self.olga.exists(), "the contact is the school's to anonymise")
        links = self.env["school.guardian.link"].search([("student_id", "=", self.student_cid.id)])
        self.assertEqual(links.guardian_id, self.olga, "her link to Cid is kept")
        request.with_user(self.user_privacy_officer).action_anonymize()
        self.assertFalse(self.student_cid.with_context(active_test=False).birthdate)

    def test_staff_cannot_file_nor_forge_requests(self):
        self._login(self.user_bursar)
        response = self._post("/my/school/privacy/erasure")
        self.assertEqual(url_parse(response.headers["Location"]).query, "error=refused")
        self.assertFalse(self._requests(self.user_bursar.partner_id))
        requests = self.env["school.privacy.request"].with_user(self.user_bursar)
        with self.assertRaises(AccessError):
            requests.create({"partner_id": self.olga.id})
        with self.assertRaises(AccessError):
            self.env["school.privacy.request"].with_user(self.user_mother).create({"partner_id": self.olga.id})
        request = self.env["school.privacy.request"].with_user(self.user_olga)._request_erasure()
        with self.assertRaises(UserError):
            request.with_user(self.user_bursar).write({"state": "done"})
        with self.assertRaises(UserError):
            request.with_user(self.user_bursar).write({"partner_id": self.mother.id})
        with self.assertRaises(AccessError):
            request.with_user(self.user_bursar).unlink()
        self.assertEqual(request.state, "requested")

    def test_other_school_does_not_see_the_request(self):
        request = self.env["school.privacy.request"].with_user(self.user_olga)._request_erasure()
        other_school = self.env["res.company"].create({"name": "Other School"})
        other_bursar = mail_new_test_user(
            self.env,
            login="privacy_other_bursar",
            groups="optis_school.group_school_bursar",
            company_id=other_school.id,
            company_ids=[Command.set(other_school.ids)],
        )
        requests = self.env["school.privacy.request"].with_user(other_bursar)
        self.assertFalse(requests.search([]))
        self.assertEqual(self.env["school.privacy.request"].with_user(self.user_bursar).search([]), request)

    def test_bursar_cannot_anonymise(self):
        request = self.env["school.privacy.request"].with_user(self.user_olga)._request_erasure()
        with self.assertRaises(AccessError):
            request.with_user(self.user_bursar).action_anonymize()
        # Nor through the OCA method or wizard directly (the bursar writes contacts).
        with self.assertRaises(AccessError):
            self.olga.with_user(self.user_bursar).anonymize_partner_data()
        with self.assertRaises(AccessError):
            self.env["partner.anonymize.wizard"].with_user(self.user_bursar).create(
                {"partner_ids": [Command.set(self.olga.ids)]}
            ).action_confirm()
        self.assertEqual(self.olga.name, "Olga Otherfamily")
        self.assertTrue(self.user_olga.active)
        self.assertEqual(request.state, "requested")

    def test_school_anonymises_and_keeps_the_money(self):
        billing_address = self.env["res.partner"].create(
            {"name": "Olga Billing", "parent_id": self.olga.id, "type": "invoice", "street": "Rue de la Paix 1"}
        )
        invoice = self.init_invoice("out_invoice", partner=self.olga, amounts=[120.0], post=True)
        self._login(self.user_olga)
        self._post("/my/school/privacy/erasure")
        request = self._requests(self.olga)
        operations = self.wallet_cid_general.operation_ids
        self.assertEqual(len(operations), 2)

        request.with_user(self.user_privacy_officer).action_anonymize()

        self.assertEqual(request.state, "done")
        self.assertEqual(request.handled_by_id, self.user_privacy_officer)
        self.assertEqual(
            request.anonymized_partner_count, 3, "Olga, her billing address and Cid, who has no other guardian"
        )
        self.assertTrue(request.privacy_log_id, "core privacy_lookup's log")
        self.assertNotIn("Olga", request.privacy_log_id.anonymized_name)
        # The guardian and her account.
        self.assertNotIn("Olga", self.olga.name)
        self.assertFalse(self.olga.active)
        self.assertTrue(self.olga.email.endswith("@anonymized.oca"))
        self.assertFalse(self.user_olga.with_context(active_test=False).active)
        self.assertNotIn("Olga", billing_address.name)
        self.assertFalse(billing_address.street)
        # The child: the OCA fields and the student ones.
        cid = self.student_cid.with_context(active_test=False)
        self.assertNotIn("Cid", cid.name)
        self.assertFalse(cid.first_name)
        self.assertFalse(cid.birthdate)
        self.assertFalse(cid.medical_notes)
        self.assertFalse(cid.allergen_ids)
        self.assertEqual(cid.diet_regime, "standard")
        self.assertFalse(cid.student_number)
        # The money stays: the wallet, its operations and the general ledger agree.
        self.assertEqual(self.wallet_cid_general.operation_ids, operations)
        self.assertAlmostEqual(self.wallet_cid_general.balance, 74.4)
        self.assertEqual(invoice.state, "posted")
        self.assertAlmostEqual(invoice.amount_untaxed, 120.0)
        self.assertEqual(invoice.partner_id, self.olga, "the invoice keeps its (anonymised) contact")
        self.assert_ledger_matches_general_ledger(cid)
        check = self.env["school.wallet.ledger.check"]._run(self.company)
        self.assertTrue(check.is_balanced)
        # Ada's family is untouched, and the request cannot be handled twice.
        self.assertEqual(self.student_ada.first_name, "Ada")
        with self.assertRaises(UserError):
            request.with_user(self.user_privacy_officer).action_anonymize()

    def test_children_with_another_guardian_are_kept(self):
        request = self.env["school.privacy.request"].with_user(self.user_mother)._request_erasure()
        request.with_user(self.user_privacy_officer).action_anonymize()
        self.assertEqual(request.anonymized_partner_count, 1, "the mother only: Ada and Bob keep other guardians")
        self.assertFalse(self.mother.active)
        self.assertEqual(self.student_ada.name, "Ada Student")
        self.assertEqual(self.student_bob.name, "Bob Student")
        self.assertAlmostEqual(self.wallet_ada_general.balance, 30.0)

    def test_refusal_is_shown_to_the_parent(self):
        request = self.env["school.privacy.request"].with_user(self.user_olga)._request_erasure()
        as_bursar = request.with_user(self.user_bursar)
        with self.assertRaises(UserError):
            as_bursar.action_refuse()
        as_bursar.refusal_reason = "An invoice of Cid is still open."
        as_bursar.action_refuse()
        self.assertEqual(request.state, "refused")
        self._login(self.user_olga)
        page = self.url_open("/my/school/privacy").text
        self.assertIn("An invoice of Cid is still open.", page)
        self.assertIn("o_school_privacy_erasure", page, "she may ask again")
        self._post("/my/school/privacy/erasure")
        self.assertEqual(sorted(self._requests(self.olga).mapped("state")), ["refused", "requested"])


@tagged("post_install", "-at_install")
class TestPortalPrivacyMobile(PhoneCase, PortalRightsCommon, HttpCase):
    """The privacy page on a 390 px wide phone: no horizontal scrolling, before and after a
    refused request (its reason is a long free text)."""

    def test_privacy_page_fits_a_phone(self):
        self.assert_fits_phone("/my/school/privacy", self.user_mother.login)
        request = self.env["school.privacy.request"].with_user(self.user_mother)._request_erasure()
        request.with_user(self.user_bursar).refusal_reason = "Anunpaidinvoiceofyourchildrenisstillopen" * 3
        request.with_user(self.user_bursar).action_refuse()
        self.assert_fits_phone("/my/school/privacy?success=requested", self.user_mother.login)
