from odoo import _, api, fields, models
from odoo.exceptions import UserError, ValidationError

from ..tools import local_to_utc
from .school_interview_block import _format_hour


class SchoolInterviewFamilyBlock(models.Model):
    """A time of a planning round's evening when a guardian cannot come: the planner puts
    no interview of their family then."""

    _name = "school.interview.family.block"
    _description = "Family Unavailability during Interviews"
    _order = "round_id, guardian_id, hour_from, id"

    round_id = fields.Many2one(
        "school.interview.round", string="Planning Round", required=True, ondelete="cascade", index=True
    )
    period_id = fields.Many2one(related="round_id.period_id", store=True, index=True)
    company_id = fields.Many2one(related="round_id.company_id", store=True, index=True)
    guardian_id = fields.Many2one("res.partner", required=True, index=True, domain=[("is_guardian", "=", True)])
    hour_from = fields.Float(string="From", required=True)
    hour_to = fields.Float(string="To", required=True)
    start = fields.Datetime(compute="_compute_start_stop", store=True)
    stop = fields.Datetime(compute="_compute_start_stop", store=True)

    _sql_constraints = [
        ("hours_valid", "CHECK(hour_from < hour_to)", "An unavailable time must end after it starts."),
    ]

    @api.depends("guardian_id.name", "hour_from", "hour_to")
    def _compute_display_name(self):
        for block in self:
            hours = "-".join(_format_hour(hour) for hour in (block.hour_from, block.hour_to))
            block.display_name = f"{block.guardian_id.name} {hours}"

    @api.depends("hour_from", "hour_to", "period_id.date", "period_id.timezone")
    def _compute_start_stop(self):
        for block in self:
            period = block.period_id
            if period.date:
                block.start = local_to_utc(period.timezone, period.date, block.hour_from)
                block.stop = local_to_utc(period.timezone, period.date, block.hour_to)
            else:
                block.start = block.stop = False

    @api.constrains("hour_from", "hour_to", "round_id")
    def _check_within_period(self):
        for block in self:
            period = block.period_id
            if block.hour_from < period.hour_from or block.hour_to > period.hour_to:
                raise ValidationError(
                    _(
                        "The unavailable time of %(guardian)s is outside the hours of %(period)s.",
                        guardian=block.guardian_id.name,
                        period=period.name,
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self._check_derived_fields(vals)
        blocks = super().create(vals_list)
        blocks.round_id._check_wishes_editable()
        return blocks

    def write(self, vals):
        self._check_derived_fields(vals)
        self.round_id._check_wishes_editable()
        result = super().write(vals)
        self.round_id._check_wishes_editable()
        return result

    @api.model
    def _check_derived_fields(self, vals):
        """The evening, school and times follow the round and the hours: written directly,
        the related ones would write the round's evening or school."""
        if {"period_id", "company_id", "start", "stop"} & set(vals):
            raise UserError(_("An unavailable time follows its round and hours: change those instead."))

    @api.ondelete(at_uninstall=False)
    def _unlink_except_planned(self):
        self.round_id._check_wishes_editable()
