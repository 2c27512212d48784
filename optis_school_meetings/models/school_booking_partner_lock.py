from odoo import fields, models
from odoo.tools import SQL


class SchoolBookingPartnerLock(models.Model):
    """One row per child or guardian who books, rewritten by each of their bookings.

    It serializes the interview bookings of a family (see ``_lock_partners``) without
    touching the contact itself: no column on ``res.partner``, no write of the contact
    (and of its tracking, its write date, its caches) on every booking.
    """

    _name = "school.booking.partner.lock"
    _description = "Booking Lock of a Family Member"
    _log_access = False

    partner_id = fields.Many2one("res.partner", required=True, ondelete="cascade", index=False)
    booking_version = fields.Integer(default=0, required=True)

    _sql_constraints = [
        ("partner_uniq", "unique(partner_id)", "A contact has one booking lock."),
    ]

    def _lock_partners(self, partners):
        """Lock ``partners`` for booking until the end of the transaction.

        The lock rows are created on demand (``ON CONFLICT DO NOTHING``), then locked in
        partner order (two bookings never deadlock on them) and rewritten. The rewrite is
        the point: under REPEATABLE READ, a transaction that waited for the lock and then
        writes the row gets a serialization failure once the first one commits, and is
        retried (by Odoo for a request) on a fresh snapshot that sees the first booking.
        A plain ``SELECT ... FOR UPDATE`` would let it go on with its old snapshot. The
        same holds for two first bookings at once: the second ``INSERT`` waits for the
        first, then fails to serialize instead of skipping silently.

        :param partners: ``res.partner`` records (children, guardians)
        """
        partner_ids = sorted(set(partners.ids))
        if not partner_ids:
            return
        self.env.cr.execute(
            SQL(
                "INSERT INTO %s (partner_id, booking_version) SELECT partner_id, 0 FROM unnest(%s) AS partner_id "
                "ON CONFLICT (partner_id) DO NOTHING",
                SQL.identifier(self._table),
                partner_ids,
            )
        )
        self.env.cr.execute(
            SQL(
                "SELECT id FROM %s WHERE partner_id = ANY(%s) ORDER BY partner_id FOR UPDATE",
                SQL.identifier(self._table),
                partner_ids,
            )
        )
        self.env.cr.execute(
            SQL(
                "UPDATE %s SET booking_version = booking_version + 1 WHERE partner_id = ANY(%s)",
                SQL.identifier(self._table),
                partner_ids,
            )
        )
