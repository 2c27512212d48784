from . import report_interview_family_schedule
from . import report_interview_teacher_schedule
