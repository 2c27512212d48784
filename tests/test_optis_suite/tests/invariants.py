"""What must hold in an OPTIS database whatever any user did through the API.

Each check reads the tables in SQL (the stored values, not the ORM's cache) and returns
the list of violations, as sentences; an empty list means the invariant holds.
"""

# Amounts are numeric in the database; anything above half a cent is a difference.
TOLERANCE = 0.005


def _rows(env, query, params=()):
    env.flush_all()
    env.cr.execute(query, params)
    return env.cr.fetchall()


def wallet_balance_violations(env):
    """Every stored wallet balance is the sum of its operations (the ledger)."""
    rows = _rows(
        env,
        """
        SELECT wallet.id, wallet.balance, COALESCE(SUM(operation.amount), 0)
          FROM school_wallet wallet
     LEFT JOIN school_wallet_operation operation ON operation.wallet_id = wallet.id
      GROUP BY wallet.id
        HAVING ABS(COALESCE(wallet.balance, 0) - COALESCE(SUM(operation.amount), 0)) > %s
      ORDER BY wallet.id
        """,
        [TOLERANCE],
    )
    return [f"wallet {wallet_id}: stored balance {stored} != ledger {ledger}" for wallet_id, stored, ledger in rows]


def general_ledger_violations(env):
    """Per school and student, the posted operations (those with a journal entry) sum to the
    opposite of the wallet liability in the general ledger: the ledger = the GL + what is
    still to post."""
    rows = _rows(
        env,
        """
        WITH ledger AS (
            SELECT wallet.company_id, wallet.student_id AS partner_id, SUM(operation.amount) AS amount
              FROM school_wallet_operation operation
              JOIN school_wallet wallet ON wallet.id = operation.wallet_id
             WHERE operation.move_id IS NOT NULL
          GROUP BY wallet.company_id, wallet.student_id
        ), general AS (
            SELECT line.company_id, line.partner_id, SUM(line.balance) AS amount
              FROM account_move_line line
              JOIN res_company company
                ON company.id = line.company_id AND company.school_wallet_account_id = line.account_id
             WHERE line.parent_state = 'posted'
          GROUP BY line.company_id, line.partner_id
        )
        SELECT COALESCE(ledger.company_id, general.company_id), COALESCE(ledger.partner_id, general.partner_id),
               COALESCE(ledger.amount, 0), COALESCE(general.amount, 0)
          FROM ledger
     FULL JOIN general ON general.company_id = ledger.company_id AND general.partner_id = ledger.partner_id
         WHERE ABS(COALESCE(ledger.amount, 0) + COALESCE(general.amount, 0)) > %s
      ORDER BY 1, 2
        """,
        [TOLERANCE],
    )
    return [
        f"company {company_id} student {partner_id}: posted ledger {ledger} != - wallet liability {general}"
        for company_id, partner_id, ledger, general in rows
    ]


def operation_violations(env):
    """An operation's stored student, school and wallet type are its wallet's: the batched
    posting books the operation on its stored student."""
    rows = _rows(
        env,
        """
        SELECT operation.id, operation.student_id, wallet.student_id, operation.company_id, wallet.company_id,
               operation.wallet_type_id, wallet.wallet_type_id
          FROM school_wallet_operation operation
          JOIN school_wallet wallet ON wallet.id = operation.wallet_id
         WHERE operation.student_id IS DISTINCT FROM wallet.student_id
            OR operation.company_id IS DISTINCT FROM wallet.company_id
            OR operation.wallet_type_id IS DISTINCT FROM wallet.wallet_type_id
      ORDER BY operation.id
        """,
    )
    return [
        f"operation {row[0]}: student/school/type {row[1]}/{row[3]}/{row[5]}, its wallet's {row[2]}/{row[4]}/{row[6]}"
        for row in rows
    ]


def sale_violations(env):
    """A sale's total is what its debit took from the wallet and what its lines add up to; it is
    refunded at most once, for at most what was debited, and its state says whether it was."""
    rows = _rows(
        env,
        """
        SELECT sale.id, sale.amount_total, sale.state,
               COALESCE((SELECT -SUM(operation.amount) FROM school_wallet_operation operation
                          WHERE operation.origin_model = 'school.wallet.sale' AND operation.origin_id = sale.id
                            AND operation.operation_type = 'sale'), 0),
               COALESCE((SELECT SUM(operation.amount) FROM school_wallet_operation operation
                          WHERE operation.origin_model = 'school.wallet.sale' AND operation.origin_id = sale.id
                            AND operation.operation_type = 'refund'), 0),
               COALESCE((SELECT COUNT(*) FROM school_wallet_operation operation
                          WHERE operation.origin_model = 'school.wallet.sale' AND operation.origin_id = sale.id
                            AND operation.operation_type = 'refund'), 0),
               COALESCE((SELECT SUM(line.price_subtotal) FROM school_wallet_sale_line line
                          WHERE line.sale_id = sale.id), 0),
               (SELECT ARRAY_AGG(DISTINCT operation.wallet_id) FROM school_wallet_operation operation
                 WHERE operation.origin_model = 'school.wallet.sale' AND operation.origin_id = sale.id
                   AND operation.wallet_id != sale.wallet_id)
          FROM school_wallet_sale sale
      ORDER BY sale.id
        """,
    )
    violations = []
    for sale_id, total, state, debited, refunded, refund_count, lines_total, other_wallets in rows:
        if abs((total or 0) - debited) > TOLERANCE:
            violations.append(f"sale {sale_id}: total {total} != debited {debited}")
        if abs(lines_total - debited) > TOLERANCE:
            violations.append(f"sale {sale_id}: lines {lines_total} != debited {debited}")
        if refunded > debited + TOLERANCE or refund_count > 1:
            violations.append(f"sale {sale_id}: refunded {refunded} in {refund_count} refunds, debited {debited}")
        if (state == "refunded") != bool(refund_count):
            violations.append(f"sale {sale_id}: state {state} with {refund_count} refunds")
        if other_wallets:
            violations.append(f"sale {sale_id}: operations on wallets {other_wallets}, not the sale's")
    return violations


def snapshot_users(env):
    """What a user is: login, password hash, companies, groups, active, internal or not.

    :return: {user id: dict}
    """
    users = {
        user_id: {
            "login": login,
            "password": password,
            "company_id": company_id,
            "active": active,
            "share": share,
            "groups": set(),
            "companies": set(),
        }
        for user_id, login, password, company_id, active, share in _rows(
            env, "SELECT id, login, password, company_id, active, share FROM res_users"
        )
    }
    for user_id, group_id in _rows(env, "SELECT uid, gid FROM res_groups_users_rel"):
        users[user_id]["groups"].add(group_id)
    for user_id, company_id in _rows(env, "SELECT user_id, cid FROM res_company_users_rel"):
        users[user_id]["companies"].add(company_id)
    return users


def user_violations(env, before, allowed_new_groups, acting_user=None, password_users=None):
    """No user gained a group or a company beyond the acting user's own, a new password or
    login, or was reactivated; a new user is a portal user or has only the groups a
    teacher's own user gets.

    :param dict before: ``snapshot_users`` before
    :param allowed_new_groups: ``res.groups`` a new internal user may have
    :param acting_user: ``res.users`` who wrote since ``before``: giving a right one holds
        oneself (e.g. a meetings administrator making an agent administrator) is no escalation
    :param password_users: ``res.users`` whose password may be set (teachers' own users,
        from the teacher form)
    """
    actor = before.get(acting_user.id) if acting_user else None
    own_groups = actor["groups"] if actor else set()
    own_companies = actor["companies"] if actor else set()
    password_ids = set(password_users.ids) if password_users else set()
    after = snapshot_users(env)
    names = dict(_rows(env, "SELECT id, login FROM res_users"))
    groups = env["res.groups"].sudo().with_context(lang="en_US")

    def group_names(group_ids):
        return sorted(groups.browse(group_ids).mapped("full_name"))

    violations = []
    for user_id, now in sorted(after.items()):
        was = before.get(user_id)
        who = f"user {user_id} ({names[user_id]})"
        if was is None:
            if not now["share"] and not now["groups"] <= set(allowed_new_groups.ids):
                violations.append(
                    f"new internal {who} with groups {group_names(now['groups'] - set(allowed_new_groups.ids))}"
                )
            continue
        if now["password"] != was["password"] and user_id not in password_ids:
            violations.append(f"{who}: password changed")
        if now["login"] != was["login"]:
            violations.append(f"{who}: login {was['login']} -> {now['login']}")
        if gained := now["groups"] - was["groups"] - own_groups:
            violations.append(f"{who}: gained groups {group_names(gained)}")
        if gained := now["companies"] - was["companies"] - own_companies:
            violations.append(f"{who}: gained companies {sorted(gained)}")
        if now["company_id"] != was["company_id"] and now["company_id"] not in own_companies:
            violations.append(f"{who}: company {was['company_id']} -> {now['company_id']}")
        if now["active"] and not was["active"]:
            violations.append(f"{who}: reactivated")
        if was["share"] and not now["share"]:
            violations.append(f"{who}: portal user made internal")
    return violations


def interview_violations(env):
    """Booked interviews: one teacher, one guardian at a time; each lasts the period's
    interview length, inside the period; its attendees are guardians of its child."""
    queries = {
        "teacher booked twice": """
            SELECT first.id, second.id FROM school_interview first
              JOIN school_interview second
                ON second.id > first.id AND second.teacher_id = first.teacher_id
               AND second.start < first.stop AND first.start < second.stop
             WHERE first.state = 'booked' AND second.state = 'booked'
        """,
        "guardian booked twice": """
            SELECT first.interview_id, second.interview_id
              FROM school_interview_attendee first
              JOIN school_interview first_interview ON first_interview.id = first.interview_id
              JOIN school_interview_attendee second ON second.partner_id = first.partner_id
              JOIN school_interview second_interview ON second_interview.id = second.interview_id
             WHERE second_interview.id > first_interview.id
               AND first_interview.state = 'booked' AND second_interview.state = 'booked'
               AND second_interview.start < first_interview.stop AND first_interview.start < second_interview.stop
        """,
        "guardian who booked is booked twice": """
            SELECT first.id, second.id FROM school_interview first
              JOIN school_interview second
                ON second.id > first.id AND second.guardian_id = first.guardian_id
               AND second.start < first.stop AND first.start < second.stop
             WHERE first.state = 'booked' AND second.state = 'booked'
        """,
        "length is not the period's": """
            SELECT interview.id, interview.stop - interview.start FROM school_interview interview
              JOIN school_interview_period period ON period.id = interview.period_id
             WHERE interview.state = 'booked'
               AND interview.stop - interview.start != make_interval(mins => period.meeting_minutes)
        """,
        "outside its period": """
            SELECT interview.id, interview.start FROM school_interview interview
              JOIN school_interview_period period ON period.id = interview.period_id
             WHERE interview.state = 'booked' AND (interview.start < period.start OR interview.stop > period.stop)
        """,
        "attendee is not a guardian of the child": """
            SELECT interview.id, attendee.partner_id FROM school_interview_attendee attendee
              JOIN school_interview interview ON interview.id = attendee.interview_id
             WHERE NOT EXISTS (SELECT 1 FROM school_guardian_link link
                                WHERE link.student_id = interview.student_id AND link.guardian_id = attendee.partner_id)
        """,
        "booked by somebody who is not a guardian of the child": """
            SELECT interview.id, interview.guardian_id FROM school_interview interview
             WHERE interview.state = 'booked' AND NOT EXISTS (
                   SELECT 1 FROM school_guardian_link link
                    WHERE link.student_id = interview.student_id AND link.guardian_id = interview.guardian_id)
        """,
    }
    return [f"interview {label}: {row}" for label, query in queries.items() for row in _rows(env, query)]


def interview_wish_violations(env):
    """Wishes of planning rounds: what the planner and the publishing wrote stays true. A
    wish linked to an interview is booked, with an interview of its child and teacher; a planned wish has a time
    inside its evening and no interview; a published round has no wish left planned; a wish's
    teacher takes part in its round's evening."""
    queries = {
        # (A cancelled interview may be deleted later: the wish then keeps no link.)
        "booked wish linked to another child's or teacher's interview": """
            SELECT wish.id, wish.interview_id FROM school_interview_wish wish
              JOIN school_interview interview ON interview.id = wish.interview_id
             WHERE interview.student_id != wish.student_id OR interview.participation_id != wish.participation_id
        """,
        "wish linked to an interview but not booked": """
            SELECT wish.id, wish.result FROM school_interview_wish wish
             WHERE wish.interview_id IS NOT NULL AND wish.result != 'booked'
        """,
        "planned wish outside its evening": """
            SELECT wish.id, wish.planned_start FROM school_interview_wish wish
              JOIN school_interview_period period ON period.id = wish.period_id
             WHERE wish.result = 'planned' AND (wish.planned_start IS NULL OR wish.interview_id IS NOT NULL
                   OR wish.planned_start < period.start OR wish.planned_start >= period.stop)
        """,
        "published round with a wish still planned": """
            SELECT round.id, wish.id FROM school_interview_round round
              JOIN school_interview_wish wish ON wish.round_id = round.id
             WHERE round.state = 'published' AND wish.result = 'planned'
        """,
        "wish in another evening than its round's": """
            SELECT wish.id FROM school_interview_wish wish
              JOIN school_interview_round round ON round.id = wish.round_id
              JOIN school_interview_teacher participation ON participation.id = wish.participation_id
             WHERE participation.period_id != round.period_id OR wish.period_id != round.period_id
        """,
    }
    return [f"interview wish {label}: {row}" for label, query in queries.items() for row in _rows(env, query)]


def appointment_violations(env):
    """Appointments not cancelled: one agent at a time, inside their occupied range, and no
    more at a counter at once than its capacity."""
    queries = {
        "agent booked twice": """
            SELECT first.id, second.id FROM school_appointment first
              JOIN school_appointment second
                ON second.id > first.id AND second.agent_id = first.agent_id
               AND second.start < first.stop AND first.start < second.stop
             WHERE first.state != 'cancelled' AND second.state != 'cancelled'
        """,
        "outside its occupied range": """
            SELECT id, start, stop, occupied_start, occupied_stop FROM school_appointment
             WHERE state != 'cancelled'
               AND (occupied_start IS NULL OR occupied_stop IS NULL
                    OR start < occupied_start OR stop > occupied_stop)
        """,
        "counter over capacity": """
            SELECT appointment.id, counter.capacity, COUNT(other.id)
              FROM school_appointment appointment
              JOIN school_meeting_counter counter ON counter.id = appointment.counter_id
              JOIN school_appointment other
                ON other.counter_id = appointment.counter_id AND other.state != 'cancelled'
               AND other.start <= appointment.start AND appointment.start < other.stop
             WHERE appointment.state != 'cancelled'
          GROUP BY appointment.id, counter.capacity
            HAVING COUNT(other.id) > counter.capacity
        """,
    }
    return [f"appointment {label}: {row}" for label, query in queries.items() for row in _rows(env, query)]


def meal_violations(env):
    """A meal reservation (optis_school_meals, when installed) was debited once, for its
    amount, on its wallet; a cancelled one was refunded once, for its amount; a booked one
    never."""
    env.cr.execute("SELECT to_regclass('school_meal_reservation')")
    if not env.cr.fetchone()[0]:
        return []
    rows = _rows(
        env,
        """
        SELECT reservation.id, reservation.state, reservation.amount,
               COALESCE((SELECT -SUM(operation.amount) FROM school_wallet_operation operation
                          WHERE operation.origin_model = 'school.meal.reservation'
                            AND operation.origin_id = reservation.id AND operation.operation_type = 'meal'), 0),
               (SELECT COUNT(*) FROM school_wallet_operation operation
                 WHERE operation.origin_model = 'school.meal.reservation'
                   AND operation.origin_id = reservation.id AND operation.operation_type = 'meal'),
               COALESCE((SELECT SUM(operation.amount) FROM school_wallet_operation operation
                          WHERE operation.origin_model = 'school.meal.reservation'
                            AND operation.origin_id = reservation.id AND operation.operation_type = 'refund'), 0),
               (SELECT COUNT(*) FROM school_wallet_operation operation
                 WHERE operation.origin_model = 'school.meal.reservation'
                   AND operation.origin_id = reservation.id AND operation.operation_type = 'refund'),
               (SELECT ARRAY_AGG(DISTINCT operation.wallet_id) FROM school_wallet_operation operation
                 WHERE operation.origin_model = 'school.meal.reservation' AND operation.origin_id = reservation.id
                   AND operation.wallet_id != reservation.wallet_id)
          FROM school_meal_reservation reservation
      ORDER BY reservation.id
        """,
    )
    violations = []
    for reservation_id, state, amount, debited, debits, refunded, refunds, other_wallets in rows:
        if debits != 1 or abs((amount or 0) - debited) > TOLERANCE:
            violations.append(f"meal {reservation_id}: amount {amount}, debited {debited} in {debits} debits")
        if state == "booked" and refunds:
            violations.append(f"meal {reservation_id}: booked with {refunds} refunds")
        if state != "booked" and (refunds != 1 or abs((amount or 0) - refunded) > TOLERANCE):
            violations.append(f"meal {reservation_id}: {state}, refunded {refunded} in {refunds} refunds")
        if other_wallets:
            violations.append(f"meal {reservation_id}: operations on wallets {other_wallets}, not the meal's")
    return violations
