import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from psycopg2 import errors as pgerrors

from odoo import SUPERUSER_ID, Command, api
from odoo.exceptions import AccessError
from odoo.tests import Form, HttpCase, TransactionCase, tagged
from odoo.tools import mute_logger

from .common import WalletCommon, commit_test_wallet, delete_committed_test_wallet

API_URL = "/optis/wallet/api/v1/sales"
RETRIED_ERRORS = (pgerrors.SerializationFailure, pgerrors.DeadlockDetected, pgerrors.LockNotAvailable)


@tagged("post_install", "-at_install")
class TestWalletSaleApi(WalletCommon, HttpCase):
    """The device API through real HTTP requests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.student_ada.student_number = "ADA-1"
        cls.student_bob.student_number = "BOB-1"
        cls.device = cls.env["school.wallet.device"].create(
            {
                "name": "Vending hall",
                "kind": "vending",
                "company_id": cls.company.id,
                "wallet_type_id": cls.type_general.id,
            }
        )
        cls.api_key = cls.device._generate_api_key()
        cls.wallet_ada_general._credit(10.0, "topup_cash")

    def _post(self, payload, key=None, raw=None):
        headers = {"Content-Type": "application/json"}
        if key is not False:
            headers["Authorization"] = f"Bearer {key or self.api_key}"
        body = raw if raw is not None else json.dumps(payload)
        return self.url_open(API_URL, data=body, headers=headers)

    def _payload(self, reference="R-1", student_number="ADA-1", **extra):
        return {
            "reference": reference,
            "student_number": student_number,
            "items": [
                {"article": "Water", "quantity": 2, "unit_price": 1.0},
                {"article": "Muesli bar", "quantity": 1, "unit_price": 0.9},
            ],
            **extra,
        }

    def _sales(self):
        return self.env["school.wallet.sale"].search([("device_id", "=", self.device.id)])

    def test_sale_debits_the_wallet(self):
        response = self._post(self._payload())
        self.assertEqual(response.status_code, 201, response.text)
        body = response.json()
        sale = self._sales()
        self.assertEqual(len(sale), 1)
        self.assertEqual(body["sale_id"], sale.id)
        self.assertFalse(body["replayed"])
        self.assertAlmostEqual(body["amount"], 2.9)
        self.assertAlmostEqual(body["balance"], 7.1)
        self.assertEqual(sale.wallet_id, self.wallet_ada_general)
        self.assertEqual(sale.line_ids.mapped("article"), ["Water", "Muesli bar"])
        self.assertAlmostEqual(sum(sale.line_ids.mapped("price_subtotal")), 2.9)
        operation = sale.operation_id
        self.assertEqual(operation.operation_type, "sale")
        self.assertAlmostEqual(operation.amount, -2.9)
        self.assertEqual((operation.origin_model, operation.origin_id), ("school.wallet.sale", sale.id))
        # Posted later with the other sales of the day.
        self.assertFalse(operation.move_id)
        self.assertAlmostEqual(self.wallet_ada_general.balance, 7.1)
        self.assertTrue(self.device.last_seen)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_replay_is_idempotent(self):
        first = self._post(self._payload())
        self.assertEqual(first.status_code, 201, first.text)
        replay = self._post(self._payload())
        self.assertEqual(replay.status_code, 200, replay.text)
        self.assertEqual(replay.json()["sale_id"], first.json()["sale_id"])
        self.assertTrue(replay.json()["replayed"])
        self.assertAlmostEqual(replay.json()["balance"], first.json()["balance"])
        self.assertEqual(len(self._sales()), 1)
        self.assertEqual(len(self.wallet_ada_general.operation_ids.filtered(lambda op: op.operation_type == "sale")), 1)
        self.assertAlmostEqual(self.wallet_ada_general.balance, 7.1)
        # Another reference is another sale.
        other = self._post(self._payload(reference="R-2"))
        self.assertEqual(other.status_code, 201, other.text)
        self.assertNotEqual(other.json()["sale_id"], first.json()["sale_id"])

    def test_wrong_or_missing_key(self):
        for key in ("optisdev_wrong", "not-even-a-device-key"):
            response = self._post(self._payload(), key=key)
            self.assertEqual(response.status_code, 401, response.text)
            self.assertEqual(response.json()["error"]["code"], "unauthorized")
        response = self._post(self._payload(), key=False)
        self.assertEqual(response.status_code, 401)
        self.assertIn("Bearer", response.headers.get("WWW-Authenticate", ""))
        # A regenerated key replaces the old one.
        new_key = self.device._generate_api_key()
        self.assertEqual(self._post(self._payload(), key=self.api_key).status_code, 401)
        self.assertEqual(self._post(self._payload(), key=new_key).status_code, 201)
        self.assertEqual(len(self._sales()), 1)

    def test_archived_device_refused(self):
        self.device.active = False
        response = self._post(self._payload())
        self.assertEqual(response.status_code, 403, response.text)
        self.assertFalse(self._sales())
        self.assertAlmostEqual(self.wallet_ada_general.balance, 10.0)

    def test_unknown_student(self):
        response = self._post(self._payload(student_number="NOBODY"))
        self.assertEqual(response.status_code, 404, response.text)
        self.assertIn("NOBODY", response.json()["error"]["message"])
        # Cid has no general wallet: not found either.
        self.student_cid.student_number = "CID-1"
        response = self._post(self._payload(student_number="CID-1"))
        self.assertEqual(response.status_code, 404, response.text)
        self.assertFalse(self._sales())

    def test_other_school_student_refused(self):
        main_company = self.env.ref("base.main_company")
        self.assertNotEqual(main_company, self.company)
        env_sudo = self.env(su=True)
        other_student = env_sudo["res.partner"].create(
            {
                "name": "Other School Student",
                "is_student": True,
                "student_number": "OTHER-1",
                "company_id": main_company.id,
            }
        )
        other_type = env_sudo["school.wallet.type"].create({"name": "Other", "company_id": main_company.id})
        other_wallet = env_sudo["school.wallet"].create(
            {"student_id": other_student.id, "wallet_type_id": other_type.id}
        )
        response = self._post(self._payload(student_number="OTHER-1"))
        self.assertEqual(response.status_code, 404, response.text)
        # Nor through the communication of a wallet of the other school.
        payload = self._payload()
        del payload["student_number"]
        payload["wallet_communication"] = other_wallet.communication
        response = self._post(payload)
        self.assertEqual(response.status_code, 404, response.text)
        self.assertFalse(self._sales())

    def test_wallet_communication(self):
        payload = self._payload()
        del payload["student_number"]
        payload["wallet_communication"] = self.wallet_ada_general.communication.strip("+").replace("/", "")
        response = self._post(payload)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(self._sales().wallet_id, self.wallet_ada_general)

    @mute_logger("odoo.addons.optis_school_wallet.controllers.main")
    def test_insufficient_balance(self):
        payload = self._payload()
        payload["items"] = [{"article": "Notebook", "quantity": 5, "unit_price": 2.5}]
        response = self._post(payload)
        self.assertEqual(response.status_code, 422, response.text)
        error = response.json()["error"]
        self.assertEqual(error["code"], "refused")
        self.assertIn("Insufficient balance", error["message"])
        self.assertIn("10.00", error["message"])
        self.assertFalse(self._sales())
        self.assertAlmostEqual(self.wallet_ada_general.balance, 10.0)
        # The refused reference can be sent again once it fits.
        payload["items"] = [{"article": "Notebook", "quantity": 4, "unit_price": 2.5}]
        response = self._post(payload)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertAlmostEqual(self.wallet_ada_general.balance, 0.0)

    def test_malformed(self):
        bad_payloads = [
            {"student_number": "ADA-1", "items": [{"article": "Water", "unit_price": 1.0}]},
            self._payload(items=[]),
            self._payload(items=[{"article": "Water", "quantity": -1, "unit_price": 1.0}]),
            self._payload(items=[{"article": "", "quantity": 1, "unit_price": 1.0}]),
            self._payload(items=[{"article": "Water", "quantity": 1, "unit_price": "1.0"}]),
            self._payload(items=[{"article": "Water", "quantity": 1, "unit_price": 0.0}]),
            self._payload(date="yesterday"),
            self._payload(date="2999-01-01T00:00:00"),
            {"reference": "R-1", "items": [{"article": "Water", "quantity": 1, "unit_price": 1.0}]},
            ["not", "an", "object"],
        ]
        for payload in bad_payloads:
            response = self._post(payload)
            self.assertEqual(response.status_code, 400, f"{payload}: {response.text}")
            self.assertEqual(response.json()["error"]["code"], "malformed")
        response = self._post(None, raw="{not json")
        self.assertEqual(response.status_code, 400, response.text)
        self.assertIn("JSON", response.json()["error"]["message"])
        response = self.url_open(API_URL, data=self._payload(), headers={"Authorization": f"Bearer {self.api_key}"})
        self.assertEqual(response.status_code, 400, response.text)
        self.assertIn("Content-Type", response.json()["error"]["message"])
        self.assertFalse(self._sales())
        self.assertAlmostEqual(self.wallet_ada_general.balance, 10.0)

    def test_offline_sale_keeps_its_date(self):
        response = self._post(self._payload(date="2026-01-05T10:30:00+01:00"))
        self.assertEqual(response.status_code, 201, response.text)
        sale = self._sales()
        self.assertEqual(str(sale.date), "2026-01-05 09:30:00")
        self.assertEqual(sale.operation_id.date, sale.date)

    def test_refund(self):
        self._post(self._payload())
        sale = self._sales()
        action = sale.with_user(self.user_bursar).action_refund()
        Form(
            self.env[action["res_model"]].with_user(self.user_bursar).with_context(**action["context"])
        ).save().action_confirm()
        self.assertEqual(sale.state, "refunded")
        self.assertEqual(sale.refund_operation_ids.operation_type, "refund")
        self.assertAlmostEqual(self.wallet_ada_general.balance, 10.0)
        self.assert_ledger_matches_general_ledger(self.student_ada)

    def test_access(self):
        """Devices and sales: bursars read their school's, only school admins manage devices and keys."""
        self._post(self._payload())
        sale = self._sales()
        self.assertEqual(self.env["school.wallet.sale"].with_user(self.user_bursar).search([]), sale)
        self.assertEqual(self.env["school.wallet.sale.line"].with_user(self.user_bursar).search([]), sale.line_ids)
        for model in ("school.wallet.sale", "school.wallet.sale.line", "school.wallet.device"):
            with self.assertRaises(AccessError):
                self.env[model].with_user(self.user_teacher).search([])
        with self.assertRaises(AccessError):
            self.device.with_user(self.user_bursar).action_generate_api_key()
        with self.assertRaises(AccessError):
            self.device.with_user(self.user_admin).api_key_hash  # noqa: B018 the hash is for system admins only
        # Another school's bursar sees nothing.
        other_company = self.env["res.company"].create({"name": "Other School"})
        other_bursar = self.user_bursar.copy(
            {"login": "other_bursar", "company_id": other_company.id, "company_ids": [Command.set(other_company.ids)]}
        )
        self.assertFalse(self.env["school.wallet.sale"].with_user(other_bursar).search([]))
        self.assertFalse(self.env["school.wallet.device"].with_user(other_bursar).search([]))
        with self.assertRaises(AccessError):
            sale.with_user(other_bursar).read(["amount_total"])

    def test_generate_key_shows_it_once(self):
        with Form(self.env["school.wallet.device"].with_user(self.user_admin)) as form:
            form.name = "Shop"
            form.kind = "shop"
            form.wallet_type_id = self.type_general
        device = form.record
        self.assertFalse(device.has_api_key)
        action = device.action_generate_api_key()
        wizard = self.env[action["res_model"]].with_user(self.user_admin).browse(action["res_id"])
        key = wizard.api_key
        self.assertTrue(key.startswith("optisdev_"))
        # Only the hash is stored; the dialog is for its creator only.
        device.invalidate_recordset()
        self.assertTrue(device.has_api_key)
        self.assertNotIn(key, device.sudo().api_key_hash)
        with self.assertRaises(AccessError):
            self.env[action["res_model"]].with_user(self.user_bursar).browse(action["res_id"]).read(["api_key"])
        self.assertEqual(self.env["school.wallet.device"]._authenticate(key), device)
        response = self._post(self._payload(), key=key)
        self.assertEqual(response.status_code, 201, response.text)
        self.assertEqual(self._sales(), self.env["school.wallet.sale"])
        self.assertEqual(self.env["school.wallet.sale"].browse(response.json()["sale_id"]).device_id, device)


@tagged("post_install", "-at_install")
class TestWalletSaleConcurrency(TransactionCase):
    """The same device reference sent at once by several connections: one sale, one debit.
    Data is committed in its own cursor and removed at the end (see test_wallet_concurrency)."""

    THREADS = 8

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = {}
        cls.addClassCleanup(cls._delete_committed_data)
        cls.data.update(
            commit_test_wallet(cls.registry, "Sale concurrency test", 20.0, student_number="SALE-CONCURRENCY-1")
        )
        with cls.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            device = env["school.wallet.device"].create(
                {
                    "name": "Concurrency vending",
                    "company_id": env.ref("base.main_company").id,
                    "wallet_type_id": cls.data["wallet_type_id"],
                }
            )
            cls.data["device_id"] = device.id

    @classmethod
    def _delete_committed_data(cls):
        with cls.registry.cursor() as cr:
            if device_id := cls.data.get("device_id"):
                cr.execute("DELETE FROM school_wallet_sale WHERE device_id = %s", [device_id])
                cr.execute("DELETE FROM school_wallet_device WHERE id = %s", [device_id])
        delete_committed_test_wallet(cls.registry, cls.data)

    def _send_in_own_transaction(self, barrier):
        """Register the sale in a new cursor, retrying like Odoo retries a request.

        :return: (sale id, created)
        """
        threading.current_thread().dbname = self.registry.db_name
        payload = {
            "reference": "SAME-REF",
            "student_number": "SALE-CONCURRENCY-1",
            "items": [{"article": "Water", "quantity": 1, "unit_price": 1.5}],
        }
        barrier.wait(timeout=60)
        for _attempt in range(100):
            try:
                with self.registry.cursor() as cr:
                    env = api.Environment(cr, SUPERUSER_ID, {})
                    device = env["school.wallet.device"].browse(self.data["device_id"])
                    sale, created = env["school.wallet.sale"]._register_from_device(device, payload)
                    return sale.id, created
            except RETRIED_ERRORS:
                time.sleep(random.uniform(0.0, 0.05))
        return None, False

    @mute_logger("odoo.sql_db")
    def test_same_reference_concurrently(self):
        barrier = threading.Barrier(self.THREADS)
        with ThreadPoolExecutor(max_workers=self.THREADS) as executor:
            futures = [executor.submit(self._send_in_own_transaction, barrier) for _thread in range(self.THREADS)]
            results = [future.result(timeout=300) for future in futures]

        sale_ids = {sale_id for sale_id, _created in results}
        self.assertEqual(len(sale_ids), 1, results)
        self.assertNotIn(None, sale_ids)
        self.assertEqual([created for _sale_id, created in results].count(True), 1, results)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            wallet = env["school.wallet"].browse(self.data["wallet_id"])
            sales = env["school.wallet.sale"].search([("device_id", "=", self.data["device_id"])])
            self.assertEqual(len(sales), 1)
            self.assertEqual(len(wallet.operation_ids.filtered(lambda op: op.operation_type == "sale")), 1)
            self.assertAlmostEqual(wallet.balance, 18.5)
            self.assertAlmostEqual(wallet._get_ledger_balances()[wallet.id], 18.5)
