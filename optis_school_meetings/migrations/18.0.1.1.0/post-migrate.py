def migrate(cr, version):
    """The booking lock of a family moved from a column of ``res_partner`` to its own table
    (``school.booking.partner.lock``); the interview period's video server to the school,
    kept only where a school chose one: the old default, the public meet.jit.si, is not a
    choice (see the readme)."""
    cr.execute("ALTER TABLE res_partner DROP COLUMN IF EXISTS booking_version")
    cr.execute(
        """
        UPDATE res_company company SET school_video_server_url = period.video_base_url
          FROM (SELECT DISTINCT ON (company_id) company_id, video_base_url FROM school_interview_period
                 WHERE video_base_url NOT IN ('https://meet.jit.si/', 'https://meet.jit.si')
                 ORDER BY company_id, date DESC) period
         WHERE company.id = period.company_id AND company.school_video_server_url IS NULL
        """
    )
