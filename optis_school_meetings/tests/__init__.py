from . import test_slot_engine
from . import test_booking
from . import test_meetings_security
from . import test_meetings_concurrency
from . import test_reminders
from . import test_slot_wizard
from . import test_booking_guard
from . import test_company_isolation
