from odoo import _, api, fields, models
from odoo.exceptions import UserError


class SchoolInterviewWait(models.Model):
    """A family waiting for an interview with a teacher who is fully booked.

    When an interview of the teacher is cancelled, the freed slot goes to the first family
    waiting (``_offer_freed_slot``): it is booked for them if every rule of the period
    allows it, and they are told by mail; families it does not suit keep their place.
    """

    _name = "school.interview.wait"
    _description = "Interview Waiting List"
    _inherit = ["mail.thread"]
    _order = "period_id, participation_id, sequence, id"

    sequence = fields.Integer(default=10, help="Order on the waiting list (then first come, first served).")
    participation_id = fields.Many2one(
        "school.interview.teacher", string="Teacher", required=True, ondelete="cascade", index=True
    )
    period_id = fields.Many2one(related="participation_id.period_id", store=True, index=True)
    teacher_id = fields.Many2one(related="participation_id.teacher_id", store=True, string="School Teacher")
    company_id = fields.Many2one(related="participation_id.company_id", store=True, index=True)
    student_id = fields.Many2one("res.partner", string="Child", required=True, index=True)
    guardian_id = fields.Many2one("res.partner", required=True, index=True)
    state = fields.Selection(
        selection=[("waiting", "Waiting"), ("booked", "Booked"), ("cancelled", "Cancelled")],
        required=True,
        default="waiting",
        tracking=True,
    )
    interview_id = fields.Many2one("school.interview", readonly=True, copy=False)

    _sql_constraints = [
        (
            "waiting_uniq",
            "EXCLUDE (participation_id WITH =, student_id WITH =, guardian_id WITH =) "
            "WHERE (((state)::text = 'waiting'::text))",
            "This family is already on the waiting list of this teacher.",
        ),
    ]

    @api.model
    def _join(self, participation, student, guardian, as_parent=False):
        """Put the family on the teacher's waiting list, when the teacher has no free slot left.

        :param bool as_parent: apply the parents' rules (booking dates, the child's teachers only)
        :return: the new ``school.interview.wait``
        :raise UserError: the teacher still has free slots, the family already waits, or a
            booking rule refuses it
        """
        period = participation.sudo().period_id
        period._check_booking_open(participation, student, as_parent)
        period._get_household(student, guardian)
        participation.sudo()._lock_for_booking()
        if participation._get_free_slots():
            raise UserError(
                _("%(teacher)s still has free interviews: book one of them.", teacher=participation.teacher_id.name)
            )
        if self.search_count(
            [
                ("participation_id", "=", participation.id),
                ("student_id", "=", student.id),
                ("guardian_id", "=", guardian.id),
                ("state", "=", "waiting"),
            ],
            limit=1,
        ):
            raise UserError(
                _("You are already on the waiting list of %(teacher)s.", teacher=participation.teacher_id.name)
            )
        return self.create({"participation_id": participation.id, "student_id": student.id, "guardian_id": guardian.id})

    def action_cancel(self):
        self.filtered(lambda wait: wait.state == "waiting").write({"state": "cancelled"})

    @api.model
    def _offer_freed_slot(self, participation, start):
        """Book the freed slot for the first waiting family it suits.

        :return: the ``school.interview`` booked, or an empty recordset
        """
        waiting = self.search(
            [("participation_id", "=", participation.id), ("state", "=", "waiting")], order="sequence, id"
        )
        for wait in waiting:
            try:
                with self.env.cr.savepoint():
                    interview = self.env["school.interview"]._create_bookings(
                        [
                            {
                                "participation_id": participation.id,
                                "start": start,
                                "student_id": wait.student_id.id,
                                "guardian_id": wait.guardian_id.id,
                                "from_waiting_list": True,
                            }
                        ],
                        as_parent=False,
                    )
            except UserError:
                continue
            wait.write({"state": "booked", "interview_id": interview.id})
            return interview
        return self.env["school.interview"]
