from odoo import fields, models


class SchoolTeacherLinkUser(models.TransientModel):
    """Make an existing user the login of a teacher (the teacher form's Link Existing User).

    Only a plain internal user of the teacher's school qualifies: the checks are
    ``school.teacher._get_login_user_error``, run again when the link is made.
    """

    _name = "school.teacher.link.user"
    _description = "Link a Teacher to an Existing User"

    teacher_id = fields.Many2one("school.teacher", required=True, ondelete="cascade")
    company_id = fields.Many2one(related="teacher_id.company_id")
    user_id = fields.Many2one(
        "res.users",
        required=True,
        domain="[('share', '=', False), ('company_ids', 'in', company_id)]",
    )

    def action_link(self):
        """Link the user to the teacher.

        :raise UserError: the teacher has a login, or the user cannot be one
        """
        self.ensure_one()
        self.teacher_id._link_user(self.user_id)
        return {"type": "ir.actions.act_window_close"}
