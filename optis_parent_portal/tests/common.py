from datetime import date, timedelta


def create_published_evening(env, company, name):
    """A published parents' evening of ``company`` in ten days, 17:00-18:00, ten-minute
    interviews, no walking gap: the evening the portal tests book in."""
    return env["school.interview.period"].create(
        {
            "name": name,
            "company_id": company.id,
            "date": date.today() + timedelta(days=10),
            "hour_from": 17.0,
            "hour_to": 18.0,
            "meeting_minutes": 10,
            "walking_gap_minutes": 0,
            "state": "published",
        }
    )
