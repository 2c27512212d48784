from odoo import http
from odoo.exceptions import UserError
from odoo.http import request

from .interview import OptisParentPortalInterviews


class OptisParentPortalInterviewWishes(OptisParentPortalInterviews):
    """Parents' wishes for a planned parents' evening: per child, each teacher required,
    wanted, optional or not needed, and the times they cannot come. The planning round
    (``school.interview.round``) checks and records them (``_set_family_wishes``)."""

    def _my_round(self, round_id):
        """A planning round the parent may read (record rules: open to wishes or later, at a
        school of their children), or a 404."""
        if not request.env.user._is_portal():
            raise request.not_found()
        round_ = self._as_parent("school.interview.round").search([("id", "=", round_id)])
        if not round_:
            raise request.not_found()
        return round_

    @http.route("/my/interviews/round/<int:round_id>", type="http", auth="user", website=True)
    def portal_my_interview_wishes(self, round_id, success=None, **_kwargs):
        """The parent's wishes for a planned evening.

        :param int round_id: a planning round the parent may read
        :param str success: code of the message to show (``saved``)
        :return: the page; 404 for a round the parent may not read
        """
        return self._render_wishes(self._my_round(round_id), success=success)

    def _render_wishes(self, round_, success=None, wish_error=None):
        """The wishes page of ``round_``.

        :param str wish_error: the round's refusal, from the POST that renders this page
        """
        round_ = round_.sudo()
        guardian = request.env.user.partner_id
        children = self._my_children().filtered(lambda child: child.company_id == round_.company_id)
        values = self._prepare_portal_layout_values()
        values.update(
            {
                "wish_round": round_,
                "family_rows": round_._get_family_rows(guardian, children),
                "grid": round_.period_id._get_slot_grid(),
                "unavailable_slots": round_._get_guardian_unavailable_slots(guardian),
                "wishes_open": round_._is_open_for_wishes(),
                "success": success,
                "wish_error": wish_error,
                "page_name": "school_interview_round",
            }
        )
        return request.render("optis_parent_portal.portal_my_interview_wishes", values)

    @http.route("/my/interviews/round/<int:round_id>/wishes", type="http", auth="user", website=True, methods=["POST"])
    def portal_save_interview_wishes(self, round_id, **post):
        """Save the parent's wishes and the times they cannot come.

        :param int round_id: a planning round the parent may read, open to wishes
        :param post: ``priority_<child id>_<teacher line id>`` (``required``, ``wanted``,
            ``optional``, ``none``, or empty for no answer) and ``unavailable`` (indexes of the
            evening's times, repeated)
        :return: a redirection with ``?success=saved``, or the page with the refusal; 404 for
            a round the parent may not read
        """
        round_ = self._my_round(round_id)
        answers = {}
        for name, value in post.items():
            parts = name.split("_")
            if len(parts) != 3 or parts[0] != "priority" or not (parts[1].isdigit() and parts[2].isdigit()):
                continue
            answers[int(parts[1]), int(parts[2])] = value or False
        slots = request.httprequest.form.getlist("unavailable")
        if not all(slot.isdigit() for slot in slots):
            raise request.not_found()
        try:
            with request.env.cr.savepoint():
                round_.sudo()._set_family_wishes(request.env.user.partner_id, answers, {int(slot) for slot in slots})
        except UserError as exception:
            return self._render_wishes(round_, wish_error=str(exception))
        return self._redirect(f"/my/interviews/round/{round_.id}", success="saved")
