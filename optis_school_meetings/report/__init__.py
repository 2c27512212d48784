from . import report_interview_family_schedule
