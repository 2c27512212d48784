from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError


class SchoolMeetingAgent(models.Model):
    """A user who receives visitors: a receptionist, or a meetings administrator."""

    _name = "school.meeting.agent"
    _inherit = ["school.booking.lock.mixin"]
    _description = "Meeting Agent"
    _order = "name, id"

    user_id = fields.Many2one("res.users", required=True, ondelete="cascade", index=True, check_company=True)
    name = fields.Char(related="user_id.name", store=True)
    partner_id = fields.Many2one(related="user_id.partner_id")
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        "res.company", string="School", required=True, default=lambda self: self.env.company, index=True
    )
    role = fields.Selection(
        selection=[("receptionist", "Receptionist"), ("administrator", "Administrator")],
        required=True,
        default="receptionist",
        help="Receptionists manage their own availabilities; administrators everyone's. "
        "The user is given the matching Meetings group.",
    )
    availability_ids = fields.One2many("school.meeting.availability", "agent_id", string="Availabilities")
    unavailability_ids = fields.One2many("school.meeting.unavailability", "agent_id", string="Unavailabilities")

    _sql_constraints = [
        ("user_uniq", "unique(user_id)", "This user is already an agent."),
    ]

    @api.model_create_multi
    def create(self, vals_list):
        agents = super().create(vals_list)
        agents._check_agent_user()
        agents._sync_user_groups()
        return agents

    def write(self, vals):
        self.env["school.appointment"]._check_configuration_frozen(self, "agent_id", vals, ["user_id", "company_id"])
        result = super().write(vals)
        if "role" in vals or "user_id" in vals:
            self._check_agent_user()
            self._sync_user_groups()
        return result

    def _check_agent_user(self):
        """The agent's user is given a Meetings group in sudo, on the word of a meetings
        administrator: it must be an internal user of the agent's school only, and the
        groups of an administrator's account are changed by an administrator only.

        :raise UserError: a portal user, or a user of another school
        :raise AccessError: an administrator's account, or a user of schools the caller
            does not belong to, by someone who does not manage users
        """
        manages_users = self.env.su or self.env.user.has_group("base.group_erp_manager")
        for agent in self:
            user_sudo = agent.user_id.sudo()
            if not user_sudo._is_internal():
                raise UserError(_("%(user)s is not an internal user: they cannot be an agent.", user=user_sudo.name))
            if agent.company_id not in user_sudo.company_ids:
                raise UserError(
                    _(
                        "%(user)s does not belong to the school %(school)s.",
                        user=user_sudo.name,
                        school=agent.company_id.name,
                    )
                )
            if manages_users:
                continue
            if user_sudo._is_admin() or user_sudo._is_system():
                raise AccessError(
                    _(
                        "%(user)s is an administrator: only a user with the Access Rights group "
                        "makes them an agent or changes their role.",
                        user=user_sudo.name,
                    )
                )
            if user_sudo.company_ids - self.env.user.company_ids:
                raise AccessError(_("%(user)s also belongs to schools you do not belong to.", user=user_sudo.name))

    def _sync_user_groups(self):
        """Give each agent's user the Meetings group of their role (an administrator loses
        nothing; a receptionist is removed from the administrators)."""
        receptionist_group = self.env.ref("optis_school_meetings.group_meeting_receptionist")
        admin_group = self.env.ref("optis_school_meetings.group_meeting_admin")
        for agent in self:
            if agent.role == "administrator":
                commands = [Command.link(admin_group.id)]
            else:
                commands = [Command.link(receptionist_group.id), Command.unlink(admin_group.id)]
            agent.user_id.sudo().write({"groups_id": commands})

    def _get_timezone(self):
        """Time zone of the agent's availabilities: the user's, else the school's, else UTC."""
        self.ensure_one()
        return self.user_id.tz or self.company_id.partner_id.tz or "UTC"
