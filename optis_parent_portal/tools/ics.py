"""An interview as an iCalendar file (RFC 5545), for the parent's own calendar."""

import pytz
import vobject


def interview_ics(interview, summary, uid_domain):
    """The ``.ics`` of one booked interview: its times in UTC, where it takes place (the
    room, or the video link).

    :param interview: a ``school.interview``
    :param str summary: the event's title, in the reader's language
    :param str uid_domain: the right-hand side of the event's UID (the server's host)
    :return: the file's bytes
    """
    interview.ensure_one()
    calendar = vobject.iCalendar()
    calendar.add("prodid").value = "-//OPTIS School//Parent-Teacher Interviews//EN"
    event = calendar.add("vevent")
    event.add("uid").value = f"school-interview-{interview.id}@{uid_domain}"
    event.add("dtstamp").value = interview.write_date.replace(tzinfo=pytz.utc)
    event.add("dtstart").value = interview.start.replace(tzinfo=pytz.utc)
    event.add("dtend").value = interview.stop.replace(tzinfo=pytz.utc)
    event.add("summary").value = summary
    if interview.location_mode == "video" and interview.video_url:
        event.add("location").value = interview.video_url
        event.add("url").value = interview.video_url
    elif interview.room:
        event.add("location").value = interview.room
    return calendar.serialize().encode()
