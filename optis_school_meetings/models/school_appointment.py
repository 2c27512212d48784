from datetime import timedelta

import pytz
import vobject

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError

# What the slot engine checks.
SLOT_FIELDS = ("appointment_type_id", "agent_id", "counter_id", "start", "stop")
# What the person booking chooses. Changing one of them moves the appointment: the slot is
# checked again.
BOOKING_INPUT_FIELDS = (*SLOT_FIELDS, "outside_availability", "visitor_partner_id")
# Changing one of these tells the visitor (with a new .ics).
VISITOR_NOTIFIED_FIELDS = ("appointment_type_id", "start", "stop")


class SchoolAppointment(models.Model):
    """A visitor's appointment with an agent at a counter.

    Every creation and every move goes through the booking checks (``_check_and_lock_slot``):
    the counter and agent rows are locked and rewritten, the slot is checked against the
    slot engine, and the database refuses two overlapping appointments of one agent. State,
    times, agent, counter, visitor and what the engine derives from them are written by the
    engine only (``_booking_engine_fields``): a ``create`` or a move through ``write`` is a
    booking or a move by the engine, any other write of them is refused, and a booked
    appointment is cancelled, never deleted.
    """

    _name = "school.appointment"
    _description = "Appointment"
    _inherit = ["mail.thread", "school.booking.guard.mixin"]
    _order = "start desc, id desc"
    # Written by the booking engine only (``school.booking.guard.mixin``).
    _booking_input_fields = BOOKING_INPUT_FIELDS
    _booking_engine_fields = (
        *BOOKING_INPUT_FIELDS,
        "state",
        "occupied_start",
        "occupied_stop",
        "calendar_event_id",
        "reminder_sent_at",
        # Related fields: writing them would write the agent's user or the type's school.
        "user_id",
        "company_id",
    )

    name = fields.Char(compute="_compute_name", store=True, precompute=True)
    appointment_type_id = fields.Many2one(
        "school.appointment.type", string="Type", required=True, ondelete="restrict", tracking=True, index=True
    )
    agent_id = fields.Many2one("school.meeting.agent", required=True, ondelete="restrict", tracking=True, index=True)
    user_id = fields.Many2one(related="agent_id.user_id", store=True, string="Agent User")
    counter_id = fields.Many2one(
        "school.meeting.counter",
        required=True,
        ondelete="restrict",
        tracking=True,
        index=True,
        default=lambda self: self._default_counter_id(),
    )
    company_id = fields.Many2one(related="appointment_type_id.company_id", store=True, index=True)
    location_mode = fields.Selection(related="appointment_type_id.location_mode")

    # Time, in UTC. The occupied range adds the type's buffers; it is frozen at booking
    # so that changing a type's buffers never makes existing appointments overlap.
    start = fields.Datetime(required=True, tracking=True, index=True)
    stop = fields.Datetime(
        compute="_compute_stop", store=True, readonly=False, precompute=True, required=True, tracking=True
    )
    occupied_start = fields.Datetime(readonly=True, copy=False)
    occupied_stop = fields.Datetime(readonly=True, copy=False)
    timezone = fields.Char(compute="_compute_timezone", help="Time zone the times are shown in to the visitor.")

    # Visitor
    visitor_partner_id = fields.Many2one("res.partner", string="Visitor", tracking=True, index=True)
    visitor_name = fields.Char(
        compute="_compute_visitor_fields", store=True, readonly=False, precompute=True, required=True
    )
    visitor_email = fields.Char(compute="_compute_visitor_fields", store=True, readonly=False, precompute=True)
    visitor_phone = fields.Char(compute="_compute_visitor_fields", store=True, readonly=False, precompute=True)
    student_id = fields.Many2one(
        "res.partner",
        string="Child",
        domain=[("is_student", "=", True)],
        index="btree_not_null",
        tracking=True,
        help="The student the appointment is about, when the visitor comes about a child.",
    )

    state = fields.Selection(
        selection=[("booked", "Booked"), ("done", "Done"), ("cancelled", "Cancelled")],
        required=True,
        default="booked",
        tracking=True,
        copy=False,
    )
    # Staff only: parents read their own appointments in the portal (ACL and record rule).
    note = fields.Text(groups="base.group_user")
    outside_availability = fields.Boolean(
        string="Book Outside Availability",
        copy=False,
        help="Book although the time is outside the agent's availability (or inside an unavailability, "
        "or outside the notice and horizon of the type). Only for the agent's own appointments, "
        "or by a meetings administrator.",
    )
    availability_warning = fields.Text(compute="_compute_availability_warning")
    calendar_event_id = fields.Many2one("calendar.event", readonly=True, copy=False, ondelete="set null")
    # Set when the reminder is mailed; a move clears it so that the new time is reminded.
    reminder_sent_at = fields.Datetime(string="Reminder Sent On", readonly=True, copy=False)

    _sql_constraints = [
        ("dates_valid", "CHECK(start < stop)", "An appointment must end after it starts."),
        # One agent, one visitor at a time (buffers included). The slot checks normally
        # refuse an overlap first; this is the last guard. Needs btree_gist (see hooks.py).
        (
            "agent_no_overlap",
            "EXCLUDE USING gist (agent_id WITH =, tsrange(occupied_start, occupied_stop) WITH &&) "
            "WHERE (((state)::text <> 'cancelled'::text))",
            "This agent already has an appointment at that time.",
        ),
    ]

    def _default_counter_id(self):
        return self.env["school.meeting.counter"].search([("company_id", "=", self.env.company.id)], limit=1)

    @api.depends("appointment_type_id.name", "visitor_name")
    def _compute_name(self):
        for appointment in self:
            appointment.name = " - ".join(
                part for part in (appointment.appointment_type_id.name, appointment.visitor_name) if part
            )

    @api.depends("start", "appointment_type_id")
    def _compute_stop(self):
        for appointment in self:
            if appointment.start and appointment.appointment_type_id:
                appointment.stop = appointment.start + timedelta(hours=appointment.appointment_type_id.duration)

    @api.depends("agent_id.user_id.tz", "company_id")
    def _compute_timezone(self):
        for appointment in self:
            appointment.timezone = (
                appointment.agent_id._get_timezone() if appointment.agent_id else appointment.company_id.partner_id.tz
            ) or "UTC"

    @api.depends("visitor_partner_id")
    def _compute_visitor_fields(self):
        for appointment in self:
            partner = appointment.visitor_partner_id
            if partner:
                appointment.visitor_name = partner.name
                appointment.visitor_email = partner.email
                appointment.visitor_phone = partner.phone

    @api.depends("appointment_type_id", "agent_id", "counter_id", "start", "stop", "state")
    def _compute_availability_warning(self):
        for appointment in self:
            warning = False
            if appointment.state == "booked" and all(appointment[name] for name in SLOT_FIELDS):
                conflicts, outside = appointment.appointment_type_id._check_slot(
                    appointment.start,
                    appointment.stop,
                    appointment.agent_id,
                    appointment.counter_id,
                    exclude=appointment._origin,
                    as_visitor=not self._is_meeting_staff(),
                )
                warning = "\n".join(conflicts + outside) or False
            appointment.availability_warning = warning

    # ------------------------------------------------------------
    # CRUD
    # ------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if self._in_booking_engine():
            return super().create(vals_list)
        self._check_booking_input(vals_list)
        return self._create_bookings(vals_list)

    def write(self, vals):
        if self._in_booking_engine():
            return super().write(vals)
        moved = set(vals) & set(BOOKING_INPUT_FIELDS)
        self._check_booking_engine_fields(set(vals) - moved)
        if not moved:
            return super().write(vals)
        # A move made in the form or over the API: the engine checks the new slot.
        return self._reschedule(vals)

    def unlink(self):
        # Before mail.thread's unlink, which deletes the chatter and the mails first
        # (access first: who may not delete is told so).
        self.check_access("unlink")
        self._unlink_except_booked()
        return super().unlink()

    @api.ondelete(at_uninstall=False)
    def _unlink_except_booked(self):
        """A booked appointment is cancelled (the visitor is mailed), never deleted: deleting
        it would free the slot without a word to the visitor. Cancelled and done ones may be
        deleted (by whoever has the right)."""
        if self._in_booking_engine():
            return
        booked = self.filtered(lambda appointment: appointment.state == "booked")
        if booked:
            raise UserError(
                _(
                    "Booked appointments cannot be deleted: %(appointments)s. Cancel them instead (the visitor "
                    "is told by mail), or mark them as done if they took place; then they can be deleted.",
                    appointments=", ".join(booked.mapped("display_name")),
                )
            )

    # ------------------------------------------------------------
    # Booking engine
    # ------------------------------------------------------------

    @api.model
    def _create_bookings(self, vals_list, as_visitor=False):
        """Create booked appointments, one at a time so that each sees the previous one,
        each slot checked and locked by ``_check_and_lock_slot``; the visitors are told.

        :param list vals_list: values of the appointments (``BOOKING_INPUT_FIELDS``, the
            visitor's name, email and phone, a note)
        :param bool as_visitor: the visitor books themselves (the type's notice and horizon
            apply); see ``_check_and_lock_slot``
        :return: the new ``school.appointment`` records
        :raise UserError: a slot cannot be booked (none is created)
        """
        # The visitor gets the mails; the person booking is not made a follower.
        engine = self._booking_engine().with_context(mail_create_nosubscribe=True)
        appointments = self.browse()
        for given_vals in vals_list:
            # Defaults first: the slot is checked before the record exists.
            defaults = self.default_get([name for name in ("counter_id",) if name not in given_vals])
            vals = {**defaults, **given_vals, "state": "booked"}
            appointment_type = self.env["school.appointment.type"].browse(vals.get("appointment_type_id"))
            if vals.get("start") and not vals.get("stop") and appointment_type:
                vals["stop"] = fields.Datetime.to_datetime(vals["start"]) + timedelta(hours=appointment_type.duration)
            if not vals.get("visitor_partner_id") and vals.get("visitor_name"):
                vals["visitor_partner_id"] = self._create_visitor_partner(vals).id
            if not (appointment_type and vals.get("start") and vals.get("stop")):
                raise UserError(_("An appointment needs a type and a time."))
            vals.update(
                self._check_and_lock_slot(
                    appointment_type,
                    fields.Datetime.to_datetime(vals["start"]),
                    fields.Datetime.to_datetime(vals["stop"]),
                    self.env["school.meeting.agent"].browse(vals.get("agent_id")),
                    self.env["school.meeting.counter"].browse(vals.get("counter_id")),
                    vals.get("outside_availability"),
                    as_visitor=as_visitor,
                )
            )
            appointment = engine.create([vals]).with_env(self.env)
            appointment._sync_calendar_event()
            appointments |= appointment
        appointments._notify_visitor("booked")
        return appointments

    def _reschedule(self, vals, as_visitor=False):
        """Move the appointments to the type, time, agent, counter or visitor of ``vals``,
        the slot checked again; the calendar follows and the visitors are told.

        :param dict vals: ``BOOKING_INPUT_FIELDS`` to change, and other fields to write with them
        :param bool as_visitor: the visitor moves it (the type's notice and horizon apply)
        :raise UserError: an appointment is not booked, or the new slot cannot be booked
        """
        if "cancelled" in self.mapped("state"):
            raise UserError(_("A cancelled appointment cannot be moved; book a new one."))
        if "done" in self.mapped("state"):
            raise UserError(_("An appointment that took place cannot be moved."))
        notified_before = {appointment: appointment._get_notified_values() for appointment in self}
        for appointment in self:
            appointment_vals = dict(vals)
            appointment_type = self.env["school.appointment.type"].browse(
                vals.get("appointment_type_id", appointment.appointment_type_id.id)
            )
            start = fields.Datetime.to_datetime(vals.get("start", appointment.start))
            stop = fields.Datetime.to_datetime(vals.get("stop"))
            if not stop:
                stop = (
                    start + timedelta(hours=appointment_type.duration)
                    if "start" in vals or "appointment_type_id" in vals
                    else appointment.stop
                )
                appointment_vals["stop"] = stop
            if "start" in vals and start != appointment.start:
                appointment_vals["reminder_sent_at"] = False
            appointment_vals.update(
                appointment._check_and_lock_slot(
                    appointment_type,
                    start,
                    stop,
                    self.env["school.meeting.agent"].browse(vals.get("agent_id", appointment.agent_id.id)),
                    self.env["school.meeting.counter"].browse(vals.get("counter_id", appointment.counter_id.id)),
                    vals.get("outside_availability", appointment.outside_availability),
                    exclude=appointment,
                    as_visitor=as_visitor,
                )
            )
            appointment._booking_engine().write(appointment_vals)
        self._sync_calendar_event()
        self.filtered(
            lambda appointment: appointment._get_notified_values() != notified_before[appointment]
        )._notify_visitor("moved")
        return True

    def _get_notified_values(self):
        """What the visitor is told about when it changes."""
        self.ensure_one()
        return tuple(self[name] for name in VISITOR_NOTIFIED_FIELDS)

    # ------------------------------------------------------------
    # Actions
    # ------------------------------------------------------------

    def action_cancel(self):
        """Cancel the appointments (button): the cut-off applies to anybody but agents."""
        return self._cancel(as_visitor=not self._is_meeting_staff())

    def _cancel(self, as_visitor=True):
        """Cancel the appointments, free their slot and tell the visitors.

        :param bool as_visitor: the visitor cancels (e.g. from the portal, in sudo): refused
            closer to the start than the type's cancellation cut-off. Agents cancel any time.
        :raise UserError: not booked, or past the cut-off for a visitor
        """
        if any(appointment.state != "booked" for appointment in self):
            raise UserError(_("Only booked appointments can be cancelled."))
        if as_visitor:
            now = fields.Datetime.now()
            for appointment in self:
                cutoff = appointment.start - timedelta(hours=appointment.appointment_type_id.cancel_cutoff_hours)
                if now > cutoff:
                    raise UserError(
                        _(
                            "Appointments of type %(type)s can only be cancelled up to %(hours)s hours before "
                            "they start. Please call the school.",
                            type=appointment.appointment_type_id.name,
                            hours=appointment.appointment_type_id.cancel_cutoff_hours,
                        )
                    )
        self._booking_engine().write({"state": "cancelled"})
        self._sync_calendar_event()
        self._notify_visitor("cancelled")
        return True

    def action_done(self):
        self.filtered(lambda appointment: appointment.state == "booked")._booking_engine().write({"state": "done"})
        return True

    # ------------------------------------------------------------
    # Booking
    # ------------------------------------------------------------

    @api.model
    def _book(
        self, appointment_type, start, agent, counter, visitor_vals, allow_outside_availability=False, as_visitor=False
    ):
        """Book an appointment.

        :param appointment_type: the ``school.appointment.type``
        :param datetime start: naive UTC start; the end follows from the type's duration
        :param agent: the ``school.meeting.agent``
        :param counter: the ``school.meeting.counter``
        :param dict visitor_vals: ``visitor_partner_id`` or ``visitor_name``/``visitor_email``/``visitor_phone``
        :param bool allow_outside_availability: book even outside the agent's availability
            (agents for themselves, meetings administrators for anybody)
        :param bool as_visitor: the visitor books themselves: the type's minimum notice and
            booking horizon apply. A public or portal caller (in sudo) must pass True; for a
            user who is not meetings staff they apply anyway
        :return: the new ``school.appointment``
        :raise UserError: when the slot is taken, or outside availability without the override
        """
        return self._create_bookings(
            [
                {
                    **visitor_vals,
                    "appointment_type_id": appointment_type.id,
                    "start": start,
                    "agent_id": agent.id,
                    "counter_id": counter.id,
                    "outside_availability": allow_outside_availability,
                }
            ],
            as_visitor=as_visitor,
        )

    def _move(self, start, agent=None, counter=None, as_visitor=False):
        """Move the appointment to another time (and agent or counter); the visitor is told.

        :param bool as_visitor: the visitor moves it: the type's notice and horizon apply

        :raise UserError: when the new slot cannot be booked
        """
        self.ensure_one()
        vals = {"start": start}
        if agent:
            vals["agent_id"] = agent.id
        if counter:
            vals["counter_id"] = counter.id
        return self._reschedule(vals, as_visitor=as_visitor)

    @api.model
    def _check_and_lock_slot(
        self, appointment_type, start, stop, agent, counter, outside_availability, exclude=None, as_visitor=False
    ):
        """Lock the counter and the agent, then check that the slot can be booked.

        Called before the appointment is written, in the same transaction: the locks wait
        for any other booking of the same counter or agent, and make it retry on a fresh
        snapshot (see ``school.meeting.counter._lock_for_booking``). Counter then agent,
        always in that order, so that two bookings cannot deadlock.

        :param bool outside_availability: the explicit out-of-hours override
        :param exclude: the appointment being moved
        :param bool as_visitor: the visitor books: the type's minimum notice and booking
            horizon apply. They are the public rules: meetings staff booking in the back
            office are bound by the agents' hours only. Anybody else is a visitor.
        :return: the values of the occupied range (appointment and buffers) to write
        :raise UserError: the slot is taken, or outside availability without the override
        :raise AccessError: the override is used by somebody who may not
        """
        if not (agent and counter):
            raise UserError(_("An appointment needs an agent and a counter."))
        if (agent.sudo().company_id | counter.sudo().company_id) != appointment_type.sudo().company_id:
            raise UserError(
                _(
                    "%(type)s belongs to another school than %(agent)s or counter %(counter)s.",
                    type=appointment_type.sudo().name,
                    agent=agent.sudo().name,
                    counter=counter.sudo().name,
                )
            )
        counter.sudo()._lock_for_booking()
        agent.sudo()._lock_for_booking()
        conflicts, outside = appointment_type._check_slot(
            start, stop, agent, counter, exclude=exclude, as_visitor=as_visitor or not self._is_meeting_staff()
        )
        if conflicts:
            raise UserError("\n".join(conflicts))
        if outside:
            if not outside_availability:
                raise UserError(
                    "\n".join(
                        [
                            *outside,
                            _("To book anyway, tick “Book Outside Availability” (the agent's own appointments only)."),
                        ]
                    )
                )
            if not self._can_book_outside_availability(agent):
                raise AccessError(
                    _(
                        "Only %(agent)s or a meetings administrator may book outside %(agent)s's availability.",
                        agent=agent.name,
                    )
                )
        return {
            "occupied_start": start - timedelta(hours=appointment_type.buffer_before),
            "occupied_stop": stop + timedelta(hours=appointment_type.buffer_after),
        }

    @api.model
    def _check_configuration_frozen(self, records, reference_field, vals, frozen_fields):
        """Refuse changing ``frozen_fields`` of ``records`` (types, agents, counters) while
        booked appointments refer to them through ``reference_field``: the appointments would
        follow to another school or person, unchecked by the engine.

        :raise UserError: a frozen field changes and booked appointments refer to the records
        """
        changed = sorted(set(frozen_fields) & set(vals))
        if not changed or not records:
            return
        if self.sudo().search_count([(reference_field, "in", records.ids), ("state", "=", "booked")], limit=1):
            raise UserError(
                _(
                    "%(fields)s cannot change while appointments are booked: move or cancel them first.",
                    fields=", ".join(records._fields[name]._description_string(self.env) for name in changed),
                )
            )

    @api.model
    def _can_book_outside_availability(self, agent):
        """Agents book outside their own availability; meetings administrators outside anybody's."""
        if self.env.su or self.env.user.has_group("optis_school_meetings.group_meeting_admin"):
            return True
        return agent.user_id == self.env.user and self._is_meeting_staff()

    @api.model
    def _is_meeting_staff(self):
        return self.env.su or self.env.user.has_group("optis_school_meetings.group_meeting_receptionist")

    @api.model
    def _create_visitor_partner(self, vals):
        """The contact of a visitor booked by name: the school's contact with that email, or a new one."""
        company = self.env["school.appointment.type"].browse(vals.get("appointment_type_id")).company_id
        partners_sudo = self.env["res.partner"].sudo()
        email = (vals.get("visitor_email") or "").strip()
        if email:
            partner_sudo = partners_sudo.search(
                [("email", "=ilike", email), ("company_id", "in", [False, company.id])], limit=1
            )
            if partner_sudo:
                return partner_sudo
        return partners_sudo.create(
            {
                "name": vals["visitor_name"],
                "email": email or False,
                "phone": vals.get("visitor_phone"),
                "company_id": company.id,
            }
        )

    # ------------------------------------------------------------
    # Calendar and mails
    # ------------------------------------------------------------

    def _prepare_calendar_event_vals(self):
        self.ensure_one()
        return {
            "name": self.name,
            "start": self.start,
            "stop": self.stop,
            "user_id": self.agent_id.user_id.id,
            "partner_ids": [Command.set((self.visitor_partner_id | self.agent_id.partner_id).ids)],
            "location": self.counter_id.name if self.location_mode == "in_person" else _("Video call"),
            "res_model_id": self.env["ir.model"]._get_id(self._name),
            "res_id": self.id,
            "privacy": "private",
        }

    def _sync_calendar_event(self):
        """Create, update or remove the calendar events of the appointments.

        The agent and the visitor are the attendees. Calendar's own invitation and
        date-change mails are switched off: the visitor gets this addon's mails instead,
        with the .ics attached, so that nobody receives two mails for one change.
        """
        events_sudo = self.env["calendar.event"].sudo().with_context(no_mail_to_attendees=True, dont_notify=True)
        for appointment in self:
            event_sudo = appointment.calendar_event_id.sudo()
            if appointment.state == "cancelled":
                event_sudo.with_context(no_mail_to_attendees=True).unlink()
                continue
            vals = appointment._prepare_calendar_event_vals()
            if event_sudo:
                event_sudo.with_context(no_mail_to_attendees=True, dont_notify=True).write(vals)
            else:
                event_sudo = events_sudo.create(vals)
                if appointment.location_mode == "video":
                    event_sudo._set_discuss_videocall_location()
                appointment._booking_engine().write({"calendar_event_id": event_sudo.id})

    def _notify_visitor(self, kind):
        """Mail the visitors of these appointments: booked, moved or cancelled.

        The mail is posted on the appointment (so it is in its chatter) to the visitor
        only, with the appointment's .ics (``_get_ics_file``): the cancellation's removes
        the event from the visitor's calendar.
        """
        template = self.env.ref(f"optis_school_meetings.mail_template_appointment_{kind}", raise_if_not_found=False)
        if not template:
            return
        for appointment in self.filtered("visitor_partner_id"):
            ics_file = appointment.with_context(lang=appointment.visitor_partner_id.lang)._get_ics_file()
            # Linked to the composer like calendar's invitations: the mail takes it over.
            attachment_ids = (
                self.env["ir.attachment"]
                .with_context(no_document=True)
                .create(
                    {
                        "name": "appointment.ics",
                        "raw": ics_file,
                        "mimetype": "text/calendar",
                        "res_model": "mail.compose.message",
                        "res_id": 0,
                    }
                )
                .ids
            )
            appointment.message_post_with_source(
                template,
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                partner_ids=[Command.set(appointment.visitor_partner_id.ids)],
                attachment_ids=[Command.set(attachment_ids)],
                email_layout_xmlid="mail.mail_notification_light",
            )

    def _get_ics_file(self):
        """The appointment as an iCalendar file (RFC 5545) for the visitor's own calendar.

        One UID per appointment and a sequence that grows with each change, so that the
        file of a move updates the event the visitor added, and the file of a cancellation
        (``METHOD:CANCEL``) removes it. Texts are in the language of the context.

        :return: the file's bytes
        """
        self.ensure_one()
        appointment_sudo = self.sudo()
        now = fields.Datetime.now()
        database_uuid = self.env["ir.config_parameter"].sudo().get_param("database.uuid", "optis-school")
        calendar = vobject.iCalendar()
        calendar.add("prodid").value = "-//OPTIS School//Appointments//EN"
        calendar.add("method").value = "CANCEL" if self.state == "cancelled" else "PUBLISH"
        event = calendar.add("vevent")
        event.add("uid").value = f"school-appointment-{self.id}@{database_uuid}"
        event.add("sequence").value = str(int((self.write_date or now).timestamp()))
        event.add("dtstamp").value = now.replace(tzinfo=pytz.utc)
        event.add("dtstart").value = self.start.replace(tzinfo=pytz.utc)
        event.add("dtend").value = self.stop.replace(tzinfo=pytz.utc)
        event.add("summary").value = _(
            "%(type)s at %(school)s",
            type=appointment_sudo.appointment_type_id.name,
            school=appointment_sudo.company_id.name,
        )
        if self.state == "cancelled":
            event.add("status").value = "CANCELLED"
        if self.location_mode == "video":
            video_url = appointment_sudo.calendar_event_id.videocall_location
            event.add("location").value = video_url or _("Video call")
            if video_url:
                event.add("url").value = video_url
        else:
            event.add("location").value = appointment_sudo.counter_id.name
        return calendar.serialize().encode()

    # ------------------------------------------------------------
    # Crons
    # ------------------------------------------------------------

    @api.model
    def _cron_send_reminders(self):
        """Mail the reminder of the booked appointments that start within their type's delay.

        Each appointment is reminded once (``reminder_sent_at``); moving it clears the flag,
        so the new time is reminded. Cancelled and past appointments get nothing.
        """
        now = fields.Datetime.now()
        max_hours = max(self.env["school.appointment.type"].sudo().search([]).mapped("reminder_hours") or [0.0])
        if not max_hours:
            return
        appointments = (
            self.sudo()
            .search(
                [
                    ("state", "=", "booked"),
                    ("reminder_sent_at", "=", False),
                    ("start", ">", now),
                    ("start", "<=", now + timedelta(hours=max_hours)),
                ],
                order="start, id",
            )
            .filtered(
                lambda appointment: appointment.appointment_type_id.reminder_hours
                and appointment.start - timedelta(hours=appointment.appointment_type_id.reminder_hours) <= now
            )
        )
        # Flag first: a failing mail must not make every next run send it again.
        appointments._booking_engine().write({"reminder_sent_at": now})
        appointments._notify_visitor("reminder")
