from odoo import _, api, models
from odoo.exceptions import UserError


class _BookingEngine:
    """The permission of the booking engines to write what they computed.

    One instance, put in the context by the engines only (``_booking_engine``) and checked
    by identity. A caller of the external API chooses the context of its calls, but only
    JSON values: it cannot send this object, so no context it forges opens the guard.
    """

    __slots__ = ()

    def __copy__(self):
        return self

    def __deepcopy__(self, memo):
        return self

    def __reduce__(self):
        raise TypeError("The booking engine permission cannot be serialized.")

    def __repr__(self):
        return "<booking engine>"


BOOKING_ENGINE = _BookingEngine()
_CONTEXT_KEY = "school_booking_engine"


class SchoolBookingGuardMixin(models.AbstractModel):
    """Fields of a booking that only its booking engine writes.

    A model lists in ``_booking_engine_fields`` its state, times, people and whatever its
    engine derives from them (occupied range, attendees, links). ``write`` of one of them,
    and ``create`` or ``unlink`` where the model says so, are refused from any user, the
    superuser included, unless the call comes from the engine (``_booking_engine``).
    Odoo does not enforce ``readonly`` on ``write``: this is what keeps a booking checked.
    """

    _name = "school.booking.guard.mixin"
    _description = "Fields Written by the Booking Engine Only"

    # Names of the fields only the engine writes; set by each model.
    _booking_engine_fields = ()
    # Names of the fields a person booking chooses (form, wizard, API); the engine derives the rest.
    _booking_input_fields = ()

    def _booking_engine(self):
        """These records with the engine's permission: for the engine's own writes only."""
        return self.with_context(**{_CONTEXT_KEY: BOOKING_ENGINE})

    def _in_booking_engine(self):
        return self.env.context.get(_CONTEXT_KEY) is BOOKING_ENGINE

    def _check_booking_engine_fields(self, field_names):
        """Refuse ``field_names`` when one of them is the engine's and the engine is not the caller.

        :param field_names: names of the fields a ``write`` or ``create`` sets
        :raise UserError: an engine field, outside the engine
        """
        if self._in_booking_engine():
            return
        forbidden = sorted(set(field_names) & set(self._booking_engine_fields))
        if forbidden:
            raise UserError(
                _(
                    "%(model)s: %(fields)s can only be changed by booking, moving or cancelling.",
                    model=self.env["ir.model"]._get(self._name).name,
                    fields=", ".join(self._fields[name]._description_string(self.env) for name in forbidden),
                )
            )

    def _check_booking_input(self, vals_list):
        """A booking made outside the engine's own methods (the form, a wizard, the API)
        carries only what the person booking chooses, and is booked.

        :param list vals_list: the values of a ``create``
        :raise UserError: an engine field, or another state than booked
        """
        for vals in vals_list:
            self._check_booking_engine_fields(set(vals) - set(self._booking_input_fields) - {"state"})
            if vals.get("state", "booked") != "booked":
                self._check_booking_engine_fields({"state"})

    @api.ondelete(at_uninstall=False)
    def _unlink_except_booked(self):
        if self._in_booking_engine():
            return
        if "state" in self._fields and any(record.state == "booked" for record in self):
            raise UserError(
                _(
                    "%(model)s: a booked one cannot be deleted; cancel it instead.",
                    model=self.env["ir.model"]._get(self._name).name,
                )
            )
