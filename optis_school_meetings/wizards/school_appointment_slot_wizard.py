from datetime import timedelta

import pytz

from odoo import Command, _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import local_to_utc


class SchoolAppointmentSlotWizard(models.TransientModel):
    """Back-office planning: list the free times of a type and book one in a click.

    Staff book here: the type's minimum notice and horizon (the rules of visitors booking
    themselves) do not apply, only the agents' hours. A time is listed once, with the
    agents free and the counters open at that time; the receptionist chooses one of each.
    """

    _name = "school.appointment.slot.wizard"
    _description = "Find a Free Slot"

    appointment_type_id = fields.Many2one("school.appointment.type", string="Type", required=True)
    company_id = fields.Many2one(related="appointment_type_id.company_id")
    agent_id = fields.Many2one("school.meeting.agent", domain="[('company_id', '=', company_id)]")
    counter_id = fields.Many2one("school.meeting.counter", domain="[('company_id', '=', company_id)]")
    date_from = fields.Date(required=True, default=fields.Date.context_today)
    date_to = fields.Date(required=True, default=lambda self: fields.Date.context_today(self) + timedelta(days=7))
    line_ids = fields.One2many("school.appointment.slot.wizard.line", "wizard_id", string="Free Times")

    @api.constrains("date_from", "date_to")
    def _check_dates(self):
        for wizard in self:
            if wizard.date_from > wizard.date_to:
                raise ValidationError(_("The end date must be after the start date."))

    def _get_range(self):
        """The dates of the wizard as naive UTC datetimes, whole days in the user's time zone."""
        self.ensure_one()
        timezone = pytz.timezone(self.env.user.tz or self.company_id.partner_id.tz or "UTC")
        return local_to_utc(timezone, self.date_from), local_to_utc(timezone, self.date_to + timedelta(days=1))

    def _get_slots(self):
        self.ensure_one()
        date_from, date_to = self._get_range()
        return self.appointment_type_id._get_free_slots(
            date_from, date_to, agent=self.agent_id or None, counter=self.counter_id or None, as_visitor=False
        )

    def _prepare_line_vals_list(self, slots):
        """One line per start time, with the agents and counters free then (in the slot
        engine's order: the first of each is proposed).

        :param list slots: ``_get_free_slots`` results, sorted by start
        :return: list of values of ``school.appointment.slot.wizard.line``
        """
        lines = {}
        for slot in slots:
            line = lines.setdefault(slot["start"], {"stop": slot["end"], "agent_ids": [], "counter_ids": []})
            if slot["agent"].id not in line["agent_ids"]:
                line["agent_ids"].append(slot["agent"].id)
            if slot["counter"].id not in line["counter_ids"]:
                line["counter_ids"].append(slot["counter"].id)
        return [
            {
                "start": start,
                "stop": line["stop"],
                "agent_ids": [Command.set(line["agent_ids"])],
                "counter_ids": [Command.set(line["counter_ids"])],
                "agent_id": line["agent_ids"][0],
                "counter_id": line["counter_ids"][0],
            }
            for start, line in lines.items()
        ]

    def action_search_slots(self):
        """Fill the lines with the free times of the range, and show the wizard again.

        :return: the action reopening this wizard
        """
        self.ensure_one()
        self.line_ids = [Command.clear()] + [
            Command.create(vals) for vals in self._prepare_line_vals_list(self._get_slots())
        ]
        return {
            "type": "ir.actions.act_window",
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "target": "new",
            "name": _("Find a Free Slot"),
        }


class SchoolAppointmentSlotWizardLine(models.TransientModel):
    """A free time: the agents free and the counters open then; one of each is chosen."""

    _name = "school.appointment.slot.wizard.line"
    _description = "Free Time"
    _order = "start, id"

    wizard_id = fields.Many2one("school.appointment.slot.wizard", required=True, ondelete="cascade")
    start = fields.Datetime(required=True)
    stop = fields.Datetime(required=True)
    agent_ids = fields.Many2many(
        "school.meeting.agent",
        relation="school_appointment_slot_line_agent_rel",
        string="Free Agents",
    )
    counter_ids = fields.Many2many(
        "school.meeting.counter",
        relation="school_appointment_slot_line_counter_rel",
        string="Open Counters",
    )
    agent_id = fields.Many2one("school.meeting.agent", domain="[('id', 'in', agent_ids)]")
    counter_id = fields.Many2one("school.meeting.counter", domain="[('id', 'in', counter_ids)]")

    def action_book(self):
        """Open the appointment form prefilled with this time and the chosen agent and
        counter; saving it books through the slot checks.

        :return: the action of the appointment form
        :raise UserError: no agent or counter chosen among the free ones, or the slot was
            taken since the list was shown
        """
        self.ensure_one()
        if self.agent_id not in self.agent_ids or self.counter_id not in self.counter_ids:
            raise UserError(_("Choose one of the free agents and one of the open counters of this time."))
        appointment_type = self.wizard_id.appointment_type_id
        still_free = any(
            slot["start"] == self.start and slot["agent"] == self.agent_id and slot["counter"] == self.counter_id
            for slot in appointment_type._get_free_slots(
                self.start, self.stop, self.agent_id, self.counter_id, as_visitor=False
            )
        )
        if not still_free:
            raise UserError(
                _(
                    "The slot of %(agent)s at %(counter)s was booked meanwhile. Search the free slots again.",
                    agent=self.agent_id.name,
                    counter=self.counter_id.name,
                )
            )
        return {
            "type": "ir.actions.act_window",
            "res_model": "school.appointment",
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
            "name": _("Book an Appointment"),
            "context": {
                "default_appointment_type_id": appointment_type.id,
                "default_start": fields.Datetime.to_string(self.start),
                "default_stop": fields.Datetime.to_string(self.stop),
                "default_agent_id": self.agent_id.id,
                "default_counter_id": self.counter_id.id,
            },
        }
