import hashlib
import secrets

from odoo import _, api, fields, models
from odoo.exceptions import UserError
from odoo.tools import SQL

# Prefix of every device key, so that a leaked key is recognisable (secret scanners, logs).
API_KEY_PREFIX = "optisdev_"
DEVICE_KINDS = [
    ("vending", "Vending Machine"),
    ("canteen", "Canteen Till"),
    ("shop", "School Shop"),
]


def hash_api_key(key):
    """SHA-256 of a device key. Keys are 256 random bits, so a fast hash is enough (no
    dictionary attack is possible, unlike passwords) and lets the key be found by an index
    lookup on its hash instead of trying every device."""
    return hashlib.sha256(key.encode()).hexdigest()


class SchoolWalletDevice(models.Model):
    """A point of sale of the school (vending machine, canteen till, shop) that debits
    student wallets through the device API (``/optis/wallet/api/v1/sales``)."""

    _name = "school.wallet.device"
    _description = "Point of Sale Device"
    _order = "name, id"
    _check_company_auto = True

    name = fields.Char(required=True)
    kind = fields.Selection(DEVICE_KINDS, required=True, default="vending")
    company_id = fields.Many2one(
        "res.company", string="School", required=True, index=True, default=lambda self: self.env.company
    )
    active = fields.Boolean(default=True)
    wallet_type_id = fields.Many2one(
        "school.wallet.type",
        required=True,
        check_company=True,
        help="The wallet a sale debits when the device identifies the student by student number.",
    )

    # API access
    api_key_hash = fields.Char(readonly=True, copy=False, index=True, groups="base.group_system")
    has_api_key = fields.Boolean(compute="_compute_has_api_key", string="Has an API Key")
    last_seen = fields.Datetime(readonly=True, copy=False, help="Last call of the device to the API.")
    sale_ids = fields.One2many("school.wallet.sale", "device_id", string="Sales")
    sale_count = fields.Integer(compute="_compute_sale_count")

    _sql_constraints = [
        ("api_key_hash_uniq", "unique(api_key_hash)", "This API key is already used by another device."),
    ]

    def _compute_has_api_key(self):
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE id IN %s AND api_key_hash IS NOT NULL",
                SQL.identifier(self._table),
                tuple(self.ids or [0]),
            )
        )
        with_key = {row[0] for row in self.env.cr.fetchall()}
        for device in self:
            device.has_api_key = device.id in with_key

    def _compute_sale_count(self):
        counts = dict(
            self.env["school.wallet.sale"]._read_group([("device_id", "in", self.ids)], ["device_id"], ["__count"])
        )
        for device in self:
            device.sale_count = counts.get(device, 0)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_generate_api_key(self):
        """Give the device a new API key (the previous one stops working) and show it once.

        :return: an action opening the dialog that shows the key
        """
        self.ensure_one()
        self.check_access("write")
        key = self._generate_api_key()
        wizard = self.env["school.wallet.device.key"].create({"device_id": self.id, "api_key": key})
        return {
            "type": "ir.actions.act_window",
            "name": _("API Key of %(device)s", device=self.name),
            "res_model": "school.wallet.device.key",
            "res_id": wizard.id,
            "view_mode": "form",
            "target": "new",
        }

    def action_view_sales(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id("optis_school_wallet.school_wallet_sale_line_action")
        action["domain"] = [("device_id", "=", self.id)]
        action["context"] = {}
        return action

    # ------------------------------------------------------------
    # Business methods
    # ------------------------------------------------------------

    def _generate_api_key(self):
        """Store the hash of a new random key; only the hash is kept.

        :return: the key in clear, to be shown to the user once
        """
        self.ensure_one()
        key = API_KEY_PREFIX + secrets.token_urlsafe(32)
        self.sudo().api_key_hash = hash_api_key(key)
        return key

    @api.model
    def _authenticate(self, key):
        """The device holding this API key, archived ones included (the caller refuses them).

        :param str key: the key sent by the device
        :return: the ``school.wallet.device`` in sudo, or an empty recordset
        """
        if not key or not key.startswith(API_KEY_PREFIX):
            return self.sudo().browse()
        return self.sudo().with_context(active_test=False).search([("api_key_hash", "=", hash_api_key(key))], limit=1)

    def _touch(self):
        """Record that the device called the API, in SQL right away: the row update also
        serialises the concurrent requests of one device (see ``_register_from_device``)."""
        self.ensure_one()
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET last_seen = (now() AT TIME ZONE 'UTC') WHERE id = %s",
                SQL.identifier(self._table),
                self.id,
            )
        )
        self.invalidate_recordset(["last_seen"])

    @api.ondelete(at_uninstall=False)
    def _unlink_except_sales(self):
        if self.sale_ids:
            raise UserError(_("A device with sales cannot be deleted; archive it instead."))
