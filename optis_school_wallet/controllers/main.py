import json
import logging

from odoo import SUPERUSER_ID, http
from odoo.exceptions import MissingError, UserError, ValidationError
from odoo.http import request

_logger = logging.getLogger(__name__)


class DeviceApiError(Exception):
    """An error answered to the device as ``{"error": {"code", "message"}}``."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class SchoolWalletDeviceApi(http.Controller):
    """JSON API of the school's point of sale devices (vending machines, canteen tills,
    shop). Documented in the addon's readme/USAGE.md."""

    @http.route(
        "/optis/wallet/api/v1/sales", type="http", auth="none", methods=["POST"], csrf=False, save_session=False
    )
    def post_sale(self, **_kwargs):
        """Record a sale of a device and debit the student's wallet, once per device reference.

        Header ``Authorization: Bearer <device API key>``; JSON body
        ``{"reference": str, "student_number": str | "wallet_communication": str,
        "items": [{"article": str, "quantity": number, "unit_price": number}], "date": ISO 8601}``.

        :return: JSON: 201 with the sale (first call), 200 with the same sale (replay of a
            reference); errors ``{"error": {"code", "message"}}``: 401 missing or wrong key,
            403 archived device, 400 malformed body, 404 unknown student or wallet,
            422 refused debit (insufficient balance, archived wallet)
        """
        try:
            device = self._authenticate_device()
            if request.httprequest.mimetype != "application/json":
                raise DeviceApiError(400, "malformed", "Send the sale as JSON (Content-Type: application/json).")
            try:
                payload = json.loads(request.httprequest.get_data() or b"null")
            except ValueError as error:
                raise DeviceApiError(400, "malformed", "The body is not valid JSON.") from error
            sale_model = request.env["school.wallet.sale"].with_company(device.company_id)
            try:
                sale, created = sale_model._register_from_device(device, payload)
            except ValidationError as error:
                raise DeviceApiError(400, "malformed", str(error)) from error
            except MissingError as error:
                raise DeviceApiError(404, "not_found", str(error)) from error
            except UserError as error:
                _logger.info("Device %s: sale refused: %s", device.id, error)
                raise DeviceApiError(422, "refused", str(error)) from error
        except DeviceApiError as error:
            headers = [("WWW-Authenticate", 'Bearer realm="optis"')] if error.status == 401 else None
            return request.make_json_response(
                {"error": {"code": error.code, "message": error.message}}, headers=headers, status=error.status
            )
        return request.make_json_response(sale._get_device_response(created), status=201 if created else 200)

    def _authenticate_device(self):
        """The active device whose key is in the ``Authorization: Bearer`` header.

        :return: the ``school.wallet.device``, in the environment of the system user
        :raise DeviceApiError: 401 missing or unknown key, 403 archived device
        """
        scheme, _sep, key = request.httprequest.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise DeviceApiError(401, "unauthorized", "Missing API key: send 'Authorization: Bearer <key>'.")
        # Devices are not users: what they record is recorded by the system user, in their school.
        request.update_env(user=SUPERUSER_ID)
        device = request.env["school.wallet.device"]._authenticate(key.strip())
        if not device:
            raise DeviceApiError(401, "unauthorized", "Invalid API key.")
        if not device.active:
            raise DeviceApiError(403, "device_archived", f"The device {device.name} is archived.")
        return device
