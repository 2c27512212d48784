from odoo import fields, models
from odoo.tools import SQL


class SchoolBookingLockMixin(models.AbstractModel):
    """A row that serializes bookings: an agent, a counter.

    ``_lock_for_booking`` locks the rows until the end of the transaction and
    rewrites them. The UPDATE waits for any other transaction booking on the
    same rows; because the row is also written, under REPEATABLE READ a
    transaction that waited gets a serialization failure when the first one
    commits, and is retried (by Odoo for a request) on a fresh snapshot that
    sees the new appointment: counts made after the lock are always up to date.
    A plain ``SELECT ... FOR UPDATE`` would not be enough (see the tests).
    """

    _name = "school.booking.lock.mixin"
    _description = "Serializes Bookings"

    booking_version = fields.Integer(readonly=True, copy=False, default=0)

    def _lock_for_booking(self):
        if self:
            self.env.cr.execute(
                SQL(
                    "UPDATE %s SET booking_version = booking_version + 1 WHERE id IN %s",
                    SQL.identifier(self._table),
                    tuple(self.ids),
                )
            )
            self.invalidate_recordset(["booking_version"])
