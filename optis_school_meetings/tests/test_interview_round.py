from datetime import timedelta

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import mail_new_test_user
from odoo.addons.optis_school.tests.queue_jobs import trap_jobs

from .interview_common import NOW, InterviewCommon, utc


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestInterviewRound(InterviewCommon):
    """A planning round on the spring evening (9 interview times of 10 minutes, 16:00-17:40
    UTC with two breaks; rooms A1 and B2 and a video teacher; walking gap 5 minutes)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = {"company_id": cls.company.id, "company_ids": [Command.set(cls.company.ids)]}
        cls.user_admin = mail_new_test_user(
            cls.env, login="round_admin", groups="optis_school_meetings.group_meeting_admin", **company
        )
        cls.user_receptionist = mail_new_test_user(
            cls.env, login="round_receptionist", groups="optis_school_meetings.group_meeting_receptionist", **company
        )
        cls.round = cls.env["school.interview.round"].with_user(cls.user_admin).create({"period_id": cls.period.id})

    def _wish(self, student, guardian, participation, priority="required", **vals):
        return (
            self.env["school.interview.wish"]
            .with_user(self.user_admin)
            .create(
                {
                    "round_id": self.round.id,
                    "student_id": student.id,
                    "guardian_id": guardian.id,
                    "participation_id": participation.id,
                    "guardian_priority": priority,
                    **vals,
                }
            )
        )

    def _compute(self):
        """Compute Plan, then run the background job it enqueued."""
        round_ = self.round.with_user(self.user_admin)
        if round_.state == "draft":
            round_.action_open_wishes()
            round_.action_close_wishes()
        with trap_jobs() as trap:
            round_.action_compute()
            trap.assert_jobs_count(1)
            trap.perform_enqueued_jobs()

    def test_plan_and_publish_books_through_the_engine(self):
        """Siblings share their parents: their interviews never overlap and leave the walking
        gap between rooms; publishing books them as ordinary interviews, with the mails."""
        alice_1 = self._wish(self.alice, self.mum, self.part_1)
        bob_2 = self._wish(self.bob, self.dad, self.part_2)
        carl_1 = self._wish(self.carl, self.carol, self.part_1)
        dana_3 = self._wish(self.dana, self.eve, self.part_3, priority="wanted")
        not_needed = self._wish(self.carl, self.carol, self.part_2, priority="none")
        self._compute()
        self.assertEqual(self.round.state, "computed")
        wishes = alice_1 | bob_2 | carl_1 | dana_3
        self.assertEqual(set(wishes.mapped("result")), {"planned"})
        self.assertEqual(not_needed.result, "pending")
        self.assertNotEqual(alice_1.planned_start, carl_1.planned_start)
        # Two rooms: 10-minute interviews and a 5-minute walk, so never back to back.
        gap = abs((alice_1.planned_start - bob_2.planned_start).total_seconds()) / 60
        self.assertGreaterEqual(gap, 20)
        self.assertEqual((self.round.wish_count, self.round.planned_count, self.round.required_count), (4, 4, 3))

        self.round.with_user(self.user_admin).action_publish()
        self.assertEqual(self.round.state, "published")
        self.assertEqual(set(wishes.mapped("result")), {"booked"})
        for wish in wishes:
            interview = wish.interview_id
            self.assertEqual(interview.state, "booked")
            self.assertEqual(
                (interview.participation_id, interview.start, interview.student_id),
                (wish.participation_id, wish.planned_start, wish.student_id),
            )
        self.assertEqual(alice_1.interview_id.attendee_ids.partner_id, self.mum | self.dad)
        booked_mails = self.env["mail.message"].search(
            [
                ("model", "=", "school.interview"),
                ("res_id", "=", bob_2.interview_id.id),
                ("message_type", "=", "comment"),
            ]
        )
        self.assertEqual(booked_mails.partner_ids, self.mum | self.dad)
        with self.assertRaises(UserError):
            alice_1.with_user(self.user_admin).guardian_priority = "optional"

    def test_first_required_wish_before_anyone_second(self):
        """The first teacher is away but for two interview times: the Martins' two children
        and Carl want them; Carl gets one before the Martins get their second."""
        self.part_1.block_ids = [Command.create({"hour_from": 17.0 + 20 / 60, "hour_to": 19.0})]
        alice = self._wish(self.alice, self.mum, self.part_1, sequence=1)
        bob = self._wish(self.bob, self.mum, self.part_1, sequence=2)
        carl = self._wish(self.carl, self.carol, self.part_1)
        self._compute()
        self.assertEqual((alice.result, carl.result), ("planned", "planned"))
        self.assertEqual((bob.result, bob.reason), ("unplaced", "teacher_full"))
        self.assertIn(carl.planned_start, (utc(16), utc(16, 10)))

    def test_family_unavailability_and_reasons(self):
        """Carol cannot come before 18:30 (17:30 UTC): Carl's interview is after; Dana's
        mother cannot come at all while the video teacher receives: the reason says so."""
        self.part_3.block_ids = [Command.create({"hour_from": 18.0, "hour_to": 19.0})]
        self.env["school.interview.family.block"].with_user(self.user_receptionist).create(
            [
                {"round_id": self.round.id, "guardian_id": self.carol.id, "hour_from": 17.0, "hour_to": 18.5},
                {"round_id": self.round.id, "guardian_id": self.eve.id, "hour_from": 17.0, "hour_to": 18.0},
            ]
        )
        carl = self._wish(self.carl, self.carol, self.part_2)
        dana = self._wish(self.dana, self.eve, self.part_3)
        self._compute()
        self.assertEqual(carl.result, "planned")
        self.assertGreaterEqual(carl.planned_start, utc(17, 30))
        self.assertEqual((dana.result, dana.reason), ("unplaced", "family_unavailable"))

    def test_compute_again_keeps_booked_and_pinned(self):
        """An interview booked by hand and a wish pinned by the administrator stay where they
        are, however often the plan is computed; a pin at no interview time is refused."""
        booked = self._book(self.part_1, utc(16), self.carl, self.carol)
        alice = self._wish(self.alice, self.mum, self.part_1, pinned_start=utc(17, 40))
        bob = self._wish(self.bob, self.mum, self.part_1)
        dana = self._wish(self.dana, self.eve, self.part_1)
        for _run in range(2):
            self._compute()
            self.assertEqual(alice.planned_start, utc(17, 40))
            self.assertNotIn(bob.planned_start, (utc(16), utc(17, 40)))
            self.assertNotIn(dana.planned_start, (utc(16), utc(17, 40)))
        self.assertEqual(booked.start, utc(16))
        with self.assertRaises(ValidationError):
            self._wish(self.carl, self.carol, self.part_2, pinned_start=utc(16, 30))

    def test_publish_refusal_is_reported(self):
        """A rule of the evening the planner does not know (at most one interview per family)
        refuses the second booking at publishing: the wish says why."""
        self.period.max_per_family = 1
        alice = self._wish(self.alice, self.mum, self.part_1)
        bob = self._wish(self.bob, self.mum, self.part_2)
        self._compute()
        self.round.with_user(self.user_admin).action_publish()
        self.assertEqual(sorted((alice | bob).mapped("result")), ["booked", "unplaced"])
        refused = (alice | bob).filtered(lambda wish: wish.result == "unplaced")
        self.assertEqual(refused.reason, "refused")
        self.assertIn("At most 1 interviews per family", refused.refusal)

    def test_results_and_state_written_by_the_round_only(self):
        """Neither an administrator nor the superuser writes a round's state or a wish's
        result over the API; a receptionist enters paper wishes but cannot compute."""
        wish = self._wish(self.alice, self.mum, self.part_1)
        for env_user in (self.user_admin, self.env.ref("base.user_root")):
            with self.subTest(user=env_user.login):
                with self.assertRaises(UserError):
                    self.round.with_user(env_user).write({"state": "published"})
                for vals in ({"result": "booked"}, {"planned_start": utc(16)}, {"interview_id": False}):
                    with self.assertRaises(UserError):
                        wish.with_user(env_user).write(vals)
        with self.assertRaises(UserError):
            self.env["school.interview.round"].with_user(self.user_admin).create(
                {"period_id": self.period.id, "state": "published"}
            )
        with self.assertRaises(UserError):
            self._wish(self.bob, self.mum, self.part_1, result="planned")
        paper = (
            self.env["school.interview.wish"]
            .with_user(self.user_receptionist)
            .create(
                {
                    "round_id": self.round.id,
                    "student_id": self.carl.id,
                    "guardian_id": self.carol.id,
                    "participation_id": self.part_2.id,
                    "guardian_priority": "wanted",
                }
            )
        )
        self.assertEqual(paper.priority, "wanted")
        self.round.with_user(self.user_admin).action_open_wishes()
        self.round.with_user(self.user_admin).action_close_wishes()
        with self.assertRaises(AccessError):
            self.round.with_user(self.user_receptionist).action_compute()
        self.assertEqual(self.round.state, "closed")
        self._compute()
        with self.assertRaises(AccessError):
            self.round.with_user(self.user_receptionist).action_publish()
        self.assertFalse(paper.interview_id)

    def test_guardian_of_another_child_refused(self):
        with self.assertRaises(UserError):
            self._wish(self.alice, self.stranger, self.part_1)

    def test_priority_is_the_strongest_side(self):
        wish = self._wish(self.alice, self.mum, self.part_1, priority="optional", teacher_priority="required")
        self.assertEqual(wish.priority, "required")
        wish.with_user(self.user_admin).write({"guardian_priority": "none", "teacher_priority": "none"})
        self.assertEqual(wish.priority, "none")

    def test_compute_runs_as_a_job_and_reports_in_the_chatter(self):
        """Compute Plan never plans inside the request: it enqueues a job, refuses a second
        compute or a publish meanwhile, and the job posts the outcome in the chatter."""
        self._wish(self.alice, self.mum, self.part_1)
        round_ = self.round.with_user(self.user_admin)
        round_.action_open_wishes()
        round_.action_close_wishes()
        with trap_jobs() as trap:
            round_.action_compute()
            self.assertEqual((round_.state, round_.computing), ("closed", True), "nothing computed in the request")
            with self.assertRaisesRegex(UserError, "already being computed"):
                round_.action_compute()
            trap.assert_jobs_count(1)
            trap.perform_enqueued_jobs()
        self.assertEqual((round_.state, round_.computing), ("computed", False))
        self.assertTrue(any("Plan computed in" in body for body in round_.message_ids.mapped("body")))

    def test_compute_job_reports_an_error_in_the_chatter(self):
        self._wish(self.alice, self.mum, self.part_1)
        round_ = self.round.with_user(self.user_admin)
        round_.action_open_wishes()
        round_.action_close_wishes()

        def refuse(_self):
            raise UserError(_self.env._("The pinned interviews clash"))

        self.patch(type(self.env["school.interview.round"]), "_compute_plan", refuse)
        with trap_jobs() as trap:
            round_.action_compute()
            trap.perform_enqueued_jobs()
        self.assertEqual((round_.state, round_.computing), ("closed", False))
        self.assertTrue(
            any(
                "could not be computed: The pinned interviews clash" in body
                for body in round_.message_ids.mapped("body")
            )
        )


@tagged("post_install", "-at_install")
class TestInterviewRoundReminders(InterviewCommon):
    """The cron mails the guardians who have not answered, ``reminder_days`` before the
    wishes close, once."""

    def test_reminder_to_families_without_wishes(self):
        with freeze_time(NOW):
            planning = self.env["school.interview.round"].create(
                {"period_id": self.period.id, "wishes_close": utc(10), "reminder_days": 2}
            )
            planning.action_open_wishes()
            # The Martins answered for Alice (Dad, who is also Bob's guardian, is answered too).
            self.env["school.interview.wish"].create(
                {
                    "round_id": planning.id,
                    "student_id": self.alice.id,
                    "guardian_id": self.mum.id,
                    "participation_id": self.part_1.id,
                    "guardian_priority": "wanted",
                }
            )
            # The teacher's own wish for Carl is no answer of his family.
            self.env["school.interview.wish"].create(
                {
                    "round_id": planning.id,
                    "student_id": self.carl.id,
                    "guardian_id": self.carol.id,
                    "participation_id": self.part_2.id,
                    "teacher_priority": "required",
                }
            )
        mails = self.env["mail.mail"]
        with freeze_time(utc(10) - timedelta(days=3)):
            self.env["school.interview.round"]._cron_remind_wishes()
            self.assertFalse(planning.reminder_sent, "too early")
        with freeze_time(utc(10) - timedelta(days=1)):
            self.env["school.interview.round"]._cron_remind_wishes()
            self.assertTrue(planning.reminder_sent)
            sent = mails.search([("model", "=", "school.interview.round"), ("res_id", "=", planning.id)])
            self.assertEqual(sent.recipient_ids, self.carol | self.eve | self.frank)
            self.assertEqual(len(sent), 3, "one mail per guardian")
            self.assertIn("give your interview wishes", sent[0].subject)
            self.env["school.interview.round"]._cron_remind_wishes()
            self.assertEqual(
                mails.search_count([("model", "=", "school.interview.round"), ("res_id", "=", planning.id)]), 3
            )
        with self.assertRaises(UserError):
            planning.write({"reminder_sent": False})


@tagged("post_install", "-at_install")
@freeze_time(NOW)
class TestTeacherWishes(InterviewCommon):
    """Teachers state which families they need to see, for their own participations only,
    while the round is open; the rest of a wish is the school's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.teacher_1.write({"email": "tina@example.com", "password": "tina-secret-1"})
        cls.tina = cls.teacher_1.user_id
        cls.round = cls.env["school.interview.round"].create({"period_id": cls.period.id})
        cls.round.action_open_wishes()

    def _create(self, participation, **vals):
        return (
            self.env["school.interview.wish"]
            .with_user(self.tina)
            .create(
                {
                    "round_id": self.round.id,
                    "student_id": self.carl.id,
                    "guardian_id": self.carol.id,
                    "participation_id": participation.id,
                    "teacher_priority": "required",
                    "guardian_priority": False,
                    **vals,
                }
            )
        )

    def test_teacher_states_own_wishes_only(self):
        wish = self._create(self.part_1)
        self.assertEqual(wish.priority, "required")
        parents = self.env["school.interview.wish"].create(
            {
                "round_id": self.round.id,
                "student_id": self.alice.id,
                "guardian_id": self.mum.id,
                "participation_id": self.part_2.id,
                "guardian_priority": "wanted",
            }
        )
        as_tina = self.env["school.interview.wish"].with_user(self.tina)
        self.assertEqual(as_tina.search([]), wish, "another teacher's wishes are out of reach")
        with self.assertRaises(AccessError):
            self._create(self.part_2)
        with self.assertRaises(AccessError):
            parents.with_user(self.tina).teacher_priority = "required"
        for vals in ({"guardian_priority": "none"}, {"pinned_start": utc(16)}, {"guardian_id": self.mum.id}):
            with self.subTest(vals=vals), self.assertRaises(UserError):
                wish.with_user(self.tina).write(vals)
        with self.assertRaises(UserError):
            self._create(self.part_1, student_id=self.dana.id, guardian_id=self.eve.id, pinned_start=utc(16))
        wish.with_user(self.tina).teacher_priority = "optional"
        self.assertEqual(wish.priority, "optional")
        with self.assertRaises(AccessError):
            self.round.with_user(self.tina).action_close_wishes()
        self.round.action_close_wishes()
        with self.assertRaises(UserError):
            wish.with_user(self.tina).teacher_priority = "required"
        with self.assertRaises(UserError):
            self._create(self.part_1, student_id=self.dana.id, guardian_id=self.eve.id)
